package integration

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/models"
)

// webhookHealth is the admin API's view of an endpoint's health.
type webhookHealth struct {
	ID           uint64     `json:"id"`
	Healthy      *bool      `json:"healthy"`
	FailingSince *time.Time `json:"failingSince"`
	LastError    string     `json:"lastError"`
}

// TestWebhookUnhealthyToldOnceAndRemovable is issue 11's webhook trap: a
// receiver that refuses everything is marked unhealthy in the admin API once
// it has failed for CCFLOW_WEBHOOK_UNHEALTHY_AFTER, the log says so once
// (however many conversations retry), and deleting the endpoint ends its
// deliveries at their next retry, so closed conversations complete.
func TestWebhookUnhealthyToldOnceAndRemovable(t *testing.T) {
	n := newNode(t)
	env := n.env()
	env["CCFLOW_WEBHOOK_UNHEALTHY_AFTER"] = "3s"
	p := start(t, env)
	waitReady(t, p, n.url())
	db := openAppDB(t, n.dataDir)
	key, err := os.ReadFile(filepath.Join(n.dataDir, "admin-key"))
	require.NoError(t, err)
	admin := map[string]string{"Authorization": "Bearer " + strings.TrimSpace(string(key))}

	down, downURL := newHookReceiver(t, -1, false)
	var hook webhookHealth
	require.Equal(t, http.StatusCreated, call(t, http.MethodPost, n.url()+"/api/admin/v1/webhooks", admin,
		map[string]any{"tenantId": models.DemoTenantID, "url": downURL}, &hook))
	require.NotNil(t, hook.Healthy, "the admin API shows an endpoint's health")
	require.True(t, *hook.Healthy)
	hookURL := n.url() + "/api/admin/v1/webhooks/" + strconv.FormatUint(hook.ID, 10)

	visitors := []*visitor{newVisitor(t, n.url(), "hook-down-1"), newVisitor(t, n.url(), "hook-down-2")}
	for _, v := range visitors {
		require.Equal(t, "0", v.send("CONNECT", "").ResultCode)
	}
	eventually(t, 60*time.Second, "the endpoint is marked unhealthy", func() error {
		hook = webhookHealth{}
		if code := call(t, http.MethodGet, hookURL, admin, nil, &hook); code != http.StatusOK {
			return fmt.Errorf("GET answered %d", code)
		}
		if hook.Healthy == nil || *hook.Healthy {
			return fmt.Errorf("still healthy: %+v", hook)
		}
		return nil
	})
	require.NotNil(t, hook.FailingSince)
	require.Contains(t, hook.LastError, "receiver answered 503")
	eventually(t, 60*time.Second, "more retries after it was marked", func() error {
		if got := len(down.got()); got < 8 {
			return fmt.Errorf("%d attempts so far", got)
		}
		return nil
	})

	logged := func(msg string) int {
		k := 0
		for _, l := range lines(p.output()) {
			if strings.Contains(l, msg) {
				k++
			}
		}
		return k
	}
	require.Equal(t, 1, logged("webhook endpoint unhealthy"), "the operator is told once:\n%s", p.output())
	require.Equal(t, 1, logged("webhook endpoint failing"), "the first failure is told once:\n%s", p.output())
	require.Zero(t, logged("webhook attempt failed"), "retries are not logged at info level or above")

	// Deleting the endpoint ends the deliveries at their next retry: the
	// conversations close and their workflows complete.
	require.Equal(t, http.StatusNoContent, call(t, http.MethodDelete, hookURL, admin, nil, nil))
	for _, v := range visitors {
		require.Equal(t, "0", v.send("DISCONNECT", "").ResultCode)
	}
	c, err := client.Dial(client.Options{HostPort: n.temporal()})
	require.NoError(t, err)
	defer c.Close()
	for _, v := range visitors {
		var conv models.Conversation
		require.NoError(t, db.Where("user_id = ?", v.id).Take(&conv).Error)
		eventually(t, 60*time.Second, "the closed conversation's workflow completes", func() error {
			d, err := c.DescribeWorkflowExecution(context.Background(), conv.WorkflowID, "")
			if err != nil {
				return err
			}
			if s := d.GetWorkflowExecutionInfo().GetStatus(); s != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
				return fmt.Errorf("%s is %s", conv.WorkflowID, s)
			}
			return nil
		})
	}
	attempts := len(down.got())
	time.Sleep(3 * time.Second)
	require.Equal(t, attempts, len(down.got()), "no attempt after the endpoint was deleted and its deliveries ended")
}
