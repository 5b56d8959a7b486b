package integration

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// TestScaledOutRoles runs Temporal in one process and `ccflow server` and
// `ccflow worker` in two others against MariaDB; a request through the
// server's API runs the workflow on the worker.
func TestScaledOutRoles(t *testing.T) {
	dsn := modelstest.MySQLDSN(t)
	temporalNode := newNode(t)
	tp := start(t, with(temporalNode.env(), "CCFLOW_UI_PORT", "0"), "temporal")
	eventually(t, 2*time.Minute, "temporal role serves", func() error {
		if !strings.Contains(tp.output(), "Temporal frontend on") {
			return fmt.Errorf("not yet")
		}
		return nil
	})

	shared := func(httpPort int) map[string]string {
		return map[string]string{
			"CCFLOW_HTTP_ADDR":        "127.0.0.1:" + strconv.Itoa(httpPort),
			"CCFLOW_TEMPORAL_ADDRESS": temporalNode.temporal(),
			"CCFLOW_DB_DRIVER":        "mysql",
			"CCFLOW_DB_DSN":           dsn,
			"CCFLOW_DATA_DIR":         t.TempDir(),
		}
	}
	migrate := start(t, with(shared(freePort(t)), "CCFLOW_DEMO", "true"), "migrate")
	require.Equal(t, 0, migrate.exit(time.Minute), migrate.output())

	serverPort, workerPort := freePort(t), freePort(t)
	srv := start(t, with(shared(serverPort), "CCFLOW_DEMO", "true"), "server")
	wrk := start(t, shared(workerPort), "worker")
	serverURL := "http://127.0.0.1:" + strconv.Itoa(serverPort)
	waitReady(t, wrk, "http://127.0.0.1:"+strconv.Itoa(workerPort))
	waitReady(t, srv, serverURL)

	v := newVisitor(t, serverURL, "scaled-visitor")
	require.Equal(t, "0", v.send("CONNECT", "").ResultCode)
	v.waitGreeting()

	// The greeting is in MariaDB, written by the worker's activity.
	db, err := models.Open(context.Background(), "mysql", dsn)
	require.NoError(t, err)
	eventually(t, 30*time.Second, "greeting recorded in MariaDB", func() error {
		got, err := recordedContents(db, v.id)
		if err != nil {
			return err
		}
		if !slices.Contains(got, "RC:TxtMsg 欢迎欢迎，热烈欢迎") {
			return fmt.Errorf("records %q", got)
		}
		return nil
	})

	// The workflow ran on the worker process: its tasks carry the worker's identity.
	c, err := client.Dial(client.Options{HostPort: temporalNode.temporal()})
	require.NoError(t, err)
	defer c.Close()
	// The CONNECT answered before the workflow started: wait for its first task.
	var identities []string
	eventually(t, 30*time.Second, "the conversation's workflow ran", func() error {
		identities = nil
		iter := c.GetWorkflowHistory(context.Background(), workflowOf(t, db, demoChannel, v.id), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for iter.HasNext() {
			ev, err := iter.Next()
			if err != nil {
				return err
			}
			if a := ev.GetWorkflowTaskCompletedEventAttributes(); a != nil {
				identities = append(identities, a.GetIdentity())
			}
		}
		if len(identities) == 0 {
			return fmt.Errorf("no workflow task yet")
		}
		return nil
	})
	for _, id := range identities {
		require.True(t, strings.HasPrefix(id, strconv.Itoa(wrk.cmd.Process.Pid)+"@"), "task run by %s, worker pid is %d", id, wrk.cmd.Process.Pid)
	}

	// Poll delivery lives in the database, not in the API process: after the
	// server is killed and replaced, nothing is handed out twice or lost.
	first := v.longPoll(5)
	require.NotEmpty(t, first)
	require.Equal(t, "欢迎欢迎，热烈欢迎", first[0].Content)
	srv.kill()
	srv = start(t, shared(serverPort), "server")
	waitReady(t, srv, serverURL)
	require.Equal(t, "0", v.send("CHAT", "版本").ResultCode)
	var next []downlink
	eventually(t, 30*time.Second, "the robot's answer after the API restart", func() error {
		next = append(next, v.longPoll(2)...)
		if len(next) == 0 {
			return fmt.Errorf("nothing yet")
		}
		return nil
	})
	require.Greater(t, next[0].Seq, first[len(first)-1].Seq, "nothing delivered twice")
	require.Equal(t, "ROBOT", next[0].SourceType)

	// Routing and the agent's feed run on the worker process too: an agent
	// logged in at the server gets the visitor and talks to them.
	ag := loginAgent(t, serverURL, "agent1", "agent1-pass")
	ag.setStatus("READY")
	require.Equal(t, "0", v.send("TRANS2AGENT", "").ResultCode)
	convID := ag.waitAssigned("scaled-visitor")
	require.Equal(t, http.StatusOK, ag.say(convID, "scaled-out hello"))
	v.waitDownlink("the agent's message across processes", "AGENT", "scaled-out hello")

	srv.terminate()
	wrk.terminate()
	tp.terminate()
}
