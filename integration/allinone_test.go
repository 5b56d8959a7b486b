package integration

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// openAppDB opens the all-in-one's SQLite database beside the running process.
func openAppDB(t testing.TB, dataDir string) *gorm.DB {
	t.Helper()
	db, err := models.Open(context.Background(), "sqlite", models.SQLiteDSN(filepath.Join(dataDir, "ccflow.db")))
	require.NoError(t, err)
	t.Cleanup(func() {
		sqlDB, err := db.DB()
		require.NoError(t, err)
		require.NoError(t, sqlDB.Close())
	})
	return db
}

// recordedContents returns "RCType content" of a user's chat records in
// order, only those sent by senderType when it is not empty.
func recordedContents(db *gorm.DB, userID string, senderType ...string) ([]string, error) {
	var rows []models.ChatRecord
	q := db.Where("user_id = ?", userID)
	if len(senderType) > 0 {
		q = q.Where("sender_type IN ?", senderType)
	}
	if err := q.Order("seq").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.RCType + " " + r.Content
	}
	return out, nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestAllInOne(t *testing.T) {
	n := newNode(t)
	p := start(t, n.env())
	ready := waitReady(t, p, n.url())
	t.Logf("fresh data directory: /readyz 200 after %s", ready)

	waitOutput(t, p, "http://127.0.0.1:"+strconv.Itoa(n.uiPort))
	out := p.output()
	require.Contains(t, out, n.url(), "prints the API URL")
	require.Contains(t, out, "http://127.0.0.1:"+strconv.Itoa(n.uiPort), "prints the Temporal UI URL")

	code, body := get(t, n.url()+"/healthz")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "ok")
	code, body = get(t, n.url()+"/readyz")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, `"worker":"ok"`)
	code, body = get(t, n.url()+"/")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "<h1>ccflow</h1>")
	code, _ = get(t, "http://127.0.0.1:"+strconv.Itoa(n.uiPort)+"/")
	require.Equal(t, http.StatusOK, code, "Temporal UI serves")

	// The thin conversation: CONNECT starts the workflow, the robot greets,
	// poll shows the greeting and the database records it.
	v := newVisitor(t, n.url(), "session_1619573111751_user_1619573111751")
	ans := v.send("CONNECT", "")
	require.Equal(t, "0", ans.ResultCode)
	require.Equal(t, "connect to robot success.", ans.ResultDesc)
	greeting := v.waitGreeting()
	require.Equal(t, demoChannel, greeting.From)
	require.Equal(t, v.id, greeting.To)
	require.NotEmpty(t, greeting.MessageCode)

	db := openAppDB(t, n.dataDir)
	eventually(t, 30*time.Second, "greeting persisted", func() error {
		got, err := recordedContents(db, v.id)
		if err != nil {
			return err
		}
		if len(got) < 2 || got[1] != "RC:TxtMsg 欢迎欢迎，热烈欢迎" || got[0] != "RC:HsMsg " {
			return fmt.Errorf("records %q", got)
		}
		return nil
	})

	// The conversation's messages are spec 004's chat records of that member.
	var list struct {
		Items []struct {
			Cnt         string `json:"cnt"`
			MessageType string `json:"messageType"`
		} `json:"items"`
	}
	code, _ = get(t, n.url()+"/chat-records/list") // no token
	require.Equal(t, http.StatusUnauthorized, code)
	require.Equal(t, http.StatusOK, call(t, http.MethodGet, n.url()+"/chat-records/list?sellerId=demo&memberId="+v.id, v.headers(), nil, &list))
	var types []string
	for _, it := range list.Items {
		types = append(types, it.MessageType+" "+it.Cnt)
	}
	require.Contains(t, types, "RC:HsMsg ")
	require.Contains(t, types, "RC:TxtMsg 欢迎欢迎，热烈欢迎")

	// Operators find the conversation in Temporal UI by its search attributes.
	c, err := client.Dial(client.Options{HostPort: n.temporal()})
	require.NoError(t, err)
	defer c.Close()
	eventually(t, 30*time.Second, "conversation visible by search attributes", func() error {
		resp, err := c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("CcflowTenant = 'demo' AND CcflowUser = '%s' AND CcflowPhase = 'ROBOT'", v.id),
		})
		if err != nil {
			return err
		}
		if len(resp.GetExecutions()) != 1 {
			return fmt.Errorf("found %d executions", len(resp.GetExecutions()))
		}
		return nil
	})

	// Metrics cover HTTP and the Temporal SDK's client and worker.
	_, metrics := get(t, n.url()+"/metrics")
	require.Contains(t, metrics, `ccflow_http_requests_total{method="POST",route="/apiaccess/ccmessaging/send",status="200"}`)
	require.Contains(t, metrics, "temporal_request")
	require.Contains(t, metrics, "temporal_workflow_task_execution_latency")

	// Every request is logged with a request id, which the answer echoes.
	resp, err := http.Get(n.url() + "/healthz")
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.NotEmpty(t, resp.Header.Get("X-Request-Id"))

	took := p.terminate()
	t.Logf("clean shutdown took %s", took)
	require.Contains(t, p.output(), `"request_id"`)

	// A second start on the same data directory keeps the data and changes nothing.
	var tenants, records int64
	require.NoError(t, db.Model(&models.Tenant{}).Count(&tenants).Error)
	require.NoError(t, db.Model(&models.ChatRecord{}).Count(&records).Error)
	p2 := start(t, n.env())
	t.Logf("restart: /readyz 200 after %s", waitReady(t, p2, n.url()))
	var tenants2, records2 int64
	require.NoError(t, db.Model(&models.Tenant{}).Count(&tenants2).Error)
	require.NoError(t, db.Model(&models.ChatRecord{}).Count(&records2).Error)
	require.Equal(t, int64(1), tenants2)
	require.Equal(t, tenants, tenants2)
	require.Equal(t, records, records2)
	require.Contains(t, p.output(), "demo data loaded")
	require.NotContains(t, p2.output(), "demo data loaded")

	// A second ccflow on the same data directory stops at once and says why,
	// instead of "address already in use" (issue 11).
	p3 := start(t, n.env())
	require.Equal(t, 1, p3.exit(60*time.Second))
	require.Contains(t, p3.output(), fmt.Sprintf("ccflow: data directory in use: another ccflow (pid %d) is running with data directory %s", p2.cmd.Process.Pid, n.dataDir))
	require.NotContains(t, p3.output(), "address already in use")

	p2.terminate()
	// What the embedded Temporal server always says at start and while it
	// stops is expected, and stays at debug level.
	for _, noise := range []string{"Nexus HTTP endpoints", "Failed to poll for task", "error fetching user data from parent"} {
		require.NotContains(t, p2.output(), noise)
	}
}

// workflowOf is the workflow id of the visitor's newest conversation on a channel.
func workflowOf(t testing.TB, db *gorm.DB, channelID, userID string) string {
	t.Helper()
	var c models.Conversation
	require.NoError(t, db.Where("channel_config_id = ? AND user_id = ?", channelID, userID).Order("started_at DESC").Take(&c).Error)
	return c.WorkflowID
}
