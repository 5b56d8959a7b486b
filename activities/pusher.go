package activities

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"go.temporal.io/sdk/activity"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// Headers of a webhook request. The event id is the message's messageCode:
// the same on every attempt, so a receiver can drop a repeat.
const (
	HeaderEventID   = "X-Ccflow-Event-Id"
	HeaderTimestamp = "X-Ccflow-Timestamp"
	HeaderSignature = "X-Ccflow-Signature"
)

// Values of spec 001's direction and state push parameters.
const (
	DirectionToVisiter = "to_visiter"
	DirectionToService = "to_service"
	StateOnline        = "online"
	StateOffline       = "offline"
)

// webhookTimeout bounds one POST: a receiver that hangs costs one attempt,
// and the retry comes later with backoff.
const webhookTimeout = 10 * time.Second

// maxAnswerDrain is how much of a receiver's answer is read so the
// connection can be reused; the answer itself means nothing to ccflow.
const maxAnswerDrain = 64 << 10

// Pusher delivers conversation events to tenants' webhook endpoints (spec
// 001's custom push URL). Workflows call its methods through a nil *Pusher;
// the worker registers a real one.
type Pusher struct {
	DB     *gorm.DB
	Client *http.Client
}

// NewWebhookClient is the HTTP client webhook deliveries use. It does not
// follow redirects: a redirected POST would turn into a GET and lose the
// event, so a 3xx counts as a failed attempt like any other non-2xx.
func NewWebhookClient() *http.Client {
	return &http.Client{
		Timeout: webhookTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// PushEvent is one message of a conversation as its webhook event; the
// workflow fills it when it records the message.
type PushEvent struct {
	// EventID is the message's messageCode.
	EventID        string
	ConversationID string
	Seq            int64
	VisitorID      string
	Content        string
	BusinessID     int64
	// ServiceID is the serving agent's id, empty while the robot serves.
	ServiceID   string
	ServiceName string
	Direction   string
	At          time.Time
	SkillGroup  int64
	State       string
	SourceType  string
	ControlType string
}

// PushRequest is a run of one conversation's events for one endpoint, oldest first.
type PushRequest struct {
	TenantID   string
	EndpointID uint64
	Events     []PushEvent
}

// pushBody is the JSON a receiver gets: spec 001's push parameters under
// their own names, plus the event id and the conversation and sequence
// number that order the events.
type pushBody struct {
	EventID        string `json:"event_id"`
	ConversationID string `json:"conversation_id"`
	Seq            int64  `json:"seq"`
	VisiterID      string `json:"visiter_id"`
	Content        string `json:"content"`
	BusinessID     int64  `json:"business_id"`
	ServiceID      string `json:"service_id"`
	Direction      string `json:"direction"`
	Timestamp      int64  `json:"timestamp"`
	Group          int64  `json:"group"`
	State          string `json:"state"`
	ServiceName    string `json:"service_name"`
	ServiceURL     string `json:"service_url"`
	SourceType     string `json:"source_type"`
	ControlType    string `json:"control_type"`
}

// Push posts the events to the endpoint one by one, in order, and fails at
// the first one the receiver does not accept, so that Temporal retries from
// there: the count of accepted events is kept in the activity's heartbeat,
// which the next attempt reads, so an event a receiver accepted is rarely
// sent again. An endpoint that was removed or disabled meanwhile gets nothing.
func (p *Pusher) Push(ctx context.Context, r PushRequest) error {
	var ep models.WebhookEndpoint
	err := p.DB.WithContext(ctx).Where("id = ? AND tenant_id = ?", r.EndpointID, r.TenantID).Take(&ep).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && !ep.Enabled) {
		activity.GetLogger(ctx).Warn("webhook endpoint removed or disabled; events not pushed",
			"endpoint", r.EndpointID, "events", len(r.Events))
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up webhook %d: %w", r.EndpointID, err)
	}
	done := 0
	if activity.HasHeartbeatDetails(ctx) {
		// Progress that cannot be read only means sending those events again.
		if err := activity.GetHeartbeatDetails(ctx, &done); err != nil {
			done = 0
		}
	}
	done = min(max(done, 0), len(r.Events))
	avatars, err := p.avatars(ctx, r.TenantID, r.Events[done:])
	if err != nil {
		return err
	}
	for _, e := range r.Events[done:] {
		if err := p.post(ctx, ep, e, avatars[e.ServiceID]); err != nil {
			return err
		}
		done++
		activity.RecordHeartbeat(ctx, done)
	}
	return nil
}

// avatars looks up the serving agents' avatars, spec 001's service_url.
func (p *Pusher) avatars(ctx context.Context, tenantID string, events []PushEvent) (map[string]string, error) {
	var ids []string
	seen := map[string]bool{}
	for _, e := range events {
		if e.ServiceID != "" && !seen[e.ServiceID] {
			seen[e.ServiceID] = true
			ids = append(ids, e.ServiceID)
		}
	}
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var agents []models.Agent
	err := p.DB.WithContext(ctx).Select("id", "avatar").Where("tenant_id = ? AND id IN ?", tenantID, ids).Find(&agents).Error
	if err != nil {
		return nil, fmt.Errorf("look up agents' avatars: %w", err)
	}
	for _, a := range agents {
		out[a.ID] = a.Avatar
	}
	return out, nil
}

// post delivers one event. Errors name the endpoint by id, never by URL: a
// URL may carry the receiver's own credentials, and errors reach the logs.
func (p *Pusher) post(ctx context.Context, ep models.WebhookEndpoint, e PushEvent, serviceURL string) error {
	body, err := json.Marshal(pushBody{
		EventID: e.EventID, ConversationID: e.ConversationID, Seq: e.Seq, VisiterID: e.VisitorID,
		Content: e.Content, BusinessID: e.BusinessID, ServiceID: e.ServiceID, Direction: e.Direction,
		Timestamp: e.At.Unix(), Group: e.SkillGroup, State: e.State, ServiceName: e.ServiceName,
		ServiceURL: serviceURL, SourceType: e.SourceType, ControlType: e.ControlType,
	})
	if err != nil {
		return fmt.Errorf("encode event %s: %w", e.EventID, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook %d: bad URL: %w", ep.ID, unwrapURLError(err))
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "ccflow-webhook/1")
	req.Header.Set(HeaderEventID, e.EventID)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Signature(ep.Secret, ts, body))
	resp, err := p.Client.Do(req)
	if err != nil {
		return fmt.Errorf("push event %s to webhook %d: %w", e.EventID, ep.ID, unwrapURLError(err))
	}
	p.discard(ctx, ep.ID, resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("push event %s to webhook %d: receiver answered %d", e.EventID, ep.ID, resp.StatusCode)
	}
	return nil
}

// discard reads and closes an answer. Its body is not part of the delivery,
// so a failure here only costs the connection's reuse and is logged at debug.
func (p *Pusher) discard(ctx context.Context, endpointID uint64, resp *http.Response) {
	_, readErr := io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerDrain))
	if err := errors.Join(readErr, resp.Body.Close()); err != nil {
		activity.GetLogger(ctx).Debug("webhook answer not read", "endpoint", endpointID, "error", unwrapURLError(err))
	}
}

// unwrapURLError drops the URL net/http puts in its errors.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Signature is the X-Ccflow-Signature of a body sent at a timestamp (unix
// seconds, as in X-Ccflow-Timestamp): "sha256=" and the hex HMAC-SHA256,
// keyed with the endpoint's secret, of timestamp + "." + body. The timestamp
// is signed so that a receiver can refuse an old request replayed.
func Signature(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
