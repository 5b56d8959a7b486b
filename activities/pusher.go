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

	"github.com/ccflow/ccflow/internal/chatlog"
	"github.com/ccflow/ccflow/internal/files"
	"github.com/ccflow/ccflow/internal/notify"
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
	Log    *chatlog.Log
	Wait   notify.Waiter
	Client *http.Client
	// UnhealthyAfter is how long an endpoint's deliveries fail before it is
	// marked unhealthy (CCFLOW_WEBHOOK_UNHEALTHY_AFTER); zero means
	// DefaultUnhealthyAfter.
	UnhealthyAfter time.Duration
	// PublicURL is the base of the signed file links a media message's push
	// carries (CCFLOW_PUBLIC_URL); empty sends no link.
	PublicURL string
	// FileLinkTTL is how long such a link works after the attempt that
	// carries it (CCFLOW_WEBHOOK_FILE_LINK_TTL); zero means DefaultFileLinkTTL.
	FileLinkTTL time.Duration
}

// DefaultFileLinkTTL is CCFLOW_WEBHOOK_FILE_LINK_TTL's default.
const DefaultFileLinkTTL = 24 * time.Hour

// DefaultUnhealthyAfter is CCFLOW_WEBHOOK_UNHEALTHY_AFTER's default.
const DefaultUnhealthyAfter = 10 * time.Minute

// maxLastError bounds the error kept with an endpoint (its column's size).
const maxLastError = 512

// errEndpointGone ends a delivery whose endpoint was disabled or removed
// while one of its events was being retried.
var errEndpointGone = errors.New("webhook endpoint removed or disabled")

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

// Pusher delivers conversations' messages to tenants' webhook endpoints
// (spec 001's custom push URL), reading them from the message log.
// (The struct is declared above; these are its payloads.)

// DeliverRequest is one conversation's stream to one endpoint.
type DeliverRequest struct {
	TenantID       string
	ConversationID string
	EndpointID     uint64
	BusinessID     int64
	VisitorID      string
}

// Retry timing of a refused event: 1 s, 2 s, 4 s, … up to every 10 minutes,
// for pushRetryWindow after its first attempt; then it is dropped.
const (
	pushFirstRetry  = time.Second
	pushMaxRetry    = 10 * time.Minute
	pushRetryWindow = 25 * time.Hour
	// pushIdleWait is how long a deliverer waits for the next message before
	// it looks at the log again and heartbeats.
	pushIdleWait = 10 * time.Second
	// pushPage bounds one read of the log.
	pushPage = 50
)

// progress is what a delivery heartbeats: how far it got, and since when
// the event after that has been refused (zero while none is), so that a
// delivery a crash restarts keeps the event's retry window.
type progress struct {
	Seq          int64
	FailingSince time.Time
}

// pushBeat is how often a delivery heartbeats while it waits out a backoff.
const pushBeat = 5 * time.Second

// Deliver sends the conversation's messages to the endpoint one at a time in
// seq order, each until accepted or given up after the retry window, and
// returns once the conversation has closed and every message went out. The
// endpoint's cursor is kept in the database, so a delivery that a crash
// restarts resumes where it was; a repeat carries the same event id. A
// disabled or removed endpoint ends the delivery.
func (p *Pusher) Deliver(ctx context.Context, r DeliverRequest) error {
	cursor, err := p.Log.WebhookCursor(ctx, r.ConversationID, r.EndpointID)
	if err != nil {
		return err
	}
	var last progress
	if activity.HasHeartbeatDetails(ctx) {
		// Unreadable progress only restarts the retry window.
		if activity.GetHeartbeatDetails(ctx, &last) != nil || last.Seq != cursor {
			last = progress{}
		}
	}
	for {
		recs, err := p.Log.Messages(ctx, r.ConversationID, cursor, pushPage)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			conv, err := p.Log.Get(ctx, r.ConversationID)
			if err != nil {
				return err
			}
			if conv.Phase == chatlog.PhaseClosed && cursor >= conv.LastSeq {
				return nil
			}
			activity.RecordHeartbeat(ctx, progress{Seq: cursor})
			if err := p.wait(ctx, r.ConversationID, cursor); err != nil {
				return err
			}
			continue
		}
		ep, ok, err := p.endpoint(ctx, r)
		if err != nil || !ok {
			return err
		}
		avatars, err := p.avatars(ctx, r.TenantID, recs)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			if err := p.deliverOne(ctx, &ep, r, rec, avatars[rec.ServiceID], last.FailingSince); err != nil {
				if errors.Is(err, errEndpointGone) {
					return nil
				}
				return err
			}
			last.FailingSince = time.Time{}
			cursor = rec.Seq
			if err := p.Log.SaveWebhookCursor(ctx, r.ConversationID, r.EndpointID, cursor); err != nil {
				return err
			}
			activity.RecordHeartbeat(ctx, progress{Seq: cursor})
		}
	}
}

// wait sleeps until the conversation has a message after cursor, or a while.
func (p *Pusher) wait(ctx context.Context, conversationID string, cursor int64) error {
	_, err := p.Wait.Wait(ctx, chatlog.ConversationKey(conversationID), pushIdleWait, func(ctx context.Context) (bool, error) {
		recs, err := p.Log.Messages(ctx, conversationID, cursor, 1)
		return len(recs) > 0, err
	})
	if err != nil && ctx.Err() == nil {
		// A read error is the next loop's to report.
		return nil
	}
	return err
}

// sleepBeating waits d, heartbeating p meanwhile: a backoff of ten minutes
// must not look like a dead worker.
func sleepBeating(ctx context.Context, d time.Duration, p progress) error {
	t := time.NewTimer(d)
	defer t.Stop()
	beat := time.NewTicker(pushBeat)
	defer beat.Stop()
	for {
		activity.RecordHeartbeat(ctx, p)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return nil
		case <-beat.C:
		}
	}
}

// endpoint reads the endpoint at each page, so that an edit or a rotation
// counts at once; ok is false when it was disabled or removed.
func (p *Pusher) endpoint(ctx context.Context, r DeliverRequest) (models.WebhookEndpoint, bool, error) {
	var ep models.WebhookEndpoint
	err := p.DB.WithContext(ctx).Where("id = ? AND tenant_id = ?", r.EndpointID, r.TenantID).Take(&ep).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && !ep.Enabled) {
		activity.GetLogger(ctx).Warn("webhook endpoint removed or disabled; conversation not pushed further",
			"endpoint", r.EndpointID, "conversation", r.ConversationID)
		return ep, false, nil
	}
	if err != nil {
		return ep, false, fmt.Errorf("look up webhook %d: %w", r.EndpointID, err)
	}
	return ep, true, nil
}

// deliverOne posts one event until the receiver accepts it. Failures are
// retried here with backoff; an event still refused after the retry window
// is dropped with an error log. The endpoint is read again before each retry,
// so an edit counts and a disabled or removed endpoint ends the delivery
// (errEndpointGone). The endpoint's health is kept in its row (see failed).
func (p *Pusher) deliverOne(ctx context.Context, ep *models.WebhookEndpoint, r DeliverRequest, rec models.ChatRecord, serviceURL string, failingSince time.Time) error {
	first := failingSince
	if first.IsZero() {
		first = time.Now()
	}
	delay := pushFirstRetry
	for {
		err := p.post(ctx, *ep, r, rec, serviceURL)
		if err == nil {
			p.accepted(ctx, ep)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		p.failed(ctx, ep, rec, delay, err)
		if time.Since(first) >= pushRetryWindow {
			activity.GetLogger(ctx).Error("webhook events dropped: not accepted within the retry window",
				"endpoint", ep.ID, "event", rec.MessageCode, "error", err)
			return nil
		}
		if err := sleepBeating(ctx, delay, progress{Seq: rec.Seq - 1, FailingSince: first}); err != nil {
			return err
		}
		delay = min(2*delay, pushMaxRetry)
		next, ok, err := p.endpoint(ctx, r)
		if err != nil {
			return err
		}
		if !ok {
			return errEndpointGone
		}
		*ep = next
	}
}

// failed keeps an endpoint's health after a failed attempt, shared by every
// delivery to it on every worker: the first failure sets failing_since (and
// is logged once as a warning), the endpoint is marked unhealthy once it has
// failed for UnhealthyAfter (logged once as an error: the operator is told
// once, not at every retry of every conversation), and the attempts in
// between are logged at debug level. Health is bookkeeping: a database error
// here is logged and the delivery goes on.
func (p *Pusher) failed(ctx context.Context, ep *models.WebhookEndpoint, rec models.ChatRecord, retryIn time.Duration, cause error) {
	logger := activity.GetLogger(ctx)
	now := time.Now().UTC()
	msg := cause.Error()
	if len(msg) > maxLastError {
		msg = msg[:maxLastError]
	}
	after := p.UnhealthyAfter
	if after <= 0 {
		after = DefaultUnhealthyAfter
	}
	res := p.DB.WithContext(ctx).Model(&models.WebhookEndpoint{}).Where("id = ? AND failing_since IS NULL", ep.ID).
		UpdateColumns(map[string]any{"failing_since": now, "last_error": msg})
	switch {
	case res.Error != nil:
		logger.Warn("webhook endpoint's health not saved", "endpoint", ep.ID, "error", res.Error)
	case res.RowsAffected == 1:
		ep.FailingSince = &now
		logger.Warn("webhook endpoint failing; its events are retried with backoff", "endpoint", ep.ID, "tenant", ep.TenantID,
			"event", rec.MessageCode, "retryIn", retryIn.String(), "unhealthyAfter", after.String(), "error", cause)
	default:
		logger.Debug("webhook attempt failed; retrying", "endpoint", ep.ID, "event", rec.MessageCode,
			"retryIn", retryIn.String(), "error", cause)
		if err := p.DB.WithContext(ctx).Model(&models.WebhookEndpoint{}).Where("id = ?", ep.ID).
			UpdateColumn("last_error", msg).Error; err != nil {
			logger.Warn("webhook endpoint's health not saved", "endpoint", ep.ID, "error", err)
		}
	}
	if ep.FailingSince == nil {
		// Failing since this attempt, or since another delivery's: either way the
		// row's failing_since is set now, and the conditional update below reads it.
		ep.FailingSince = &now
	}
	res = p.DB.WithContext(ctx).Model(&models.WebhookEndpoint{}).
		Where("id = ? AND unhealthy_since IS NULL AND failing_since IS NOT NULL AND failing_since <= ?", ep.ID, now.Add(-after)).
		UpdateColumn("unhealthy_since", now)
	if res.Error != nil {
		logger.Warn("webhook endpoint's health not saved", "endpoint", ep.ID, "error", res.Error)
		return
	}
	if res.RowsAffected == 1 {
		ep.UnhealthySince = &now
		logger.Error("webhook endpoint unhealthy: its deliveries have failed for longer than CCFLOW_WEBHOOK_UNHEALTHY_AFTER; "+
			"each event is still retried for 25 hours: fix the receiver, or disable or delete the endpoint (admin API /webhooks)",
			"endpoint", ep.ID, "tenant", ep.TenantID, "unhealthyAfter", after.String(), "error", cause)
	}
}

// accepted clears a failing endpoint's health once an event got through.
// An endpoint read as healthy costs no write.
func (p *Pusher) accepted(ctx context.Context, ep *models.WebhookEndpoint) {
	if ep.FailingSince == nil {
		return
	}
	wasUnhealthy := ep.UnhealthySince != nil
	ep.FailingSince, ep.UnhealthySince, ep.LastError = nil, nil, ""
	res := p.DB.WithContext(ctx).Model(&models.WebhookEndpoint{}).Where("id = ? AND failing_since IS NOT NULL", ep.ID).
		UpdateColumns(map[string]any{"failing_since": nil, "unhealthy_since": nil, "last_error": ""})
	if res.Error != nil {
		activity.GetLogger(ctx).Warn("webhook endpoint's health not saved", "endpoint", ep.ID, "error", res.Error)
		return
	}
	if res.RowsAffected == 1 && wasUnhealthy {
		activity.GetLogger(ctx).Info("webhook endpoint healthy again: an event was accepted", "endpoint", ep.ID, "tenant", ep.TenantID)
	}
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
	// FileURL is a media message's file, as a link signed for this endpoint
	// that its receiver can GET with no other credential until it expires.
	FileURL string `json:"file_url,omitempty"`
}

// avatars looks up the serving agents' avatars, spec 001's service_url.
func (p *Pusher) avatars(ctx context.Context, tenantID string, events []models.ChatRecord) (map[string]string, error) {
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
func (p *Pusher) post(ctx context.Context, ep models.WebhookEndpoint, r DeliverRequest, e models.ChatRecord, serviceURL string) error {
	state := StateOnline
	if e.Closing {
		state = StateOffline
	}
	body, err := json.Marshal(pushBody{
		EventID: e.MessageCode, ConversationID: e.ConversationID, Seq: e.Seq, VisiterID: r.VisitorID,
		Content: e.Content, BusinessID: r.BusinessID, ServiceID: e.ServiceID, Direction: e.Direction,
		Timestamp: e.CreatedAt.Unix(), Group: e.SkillGroupID, State: state, ServiceName: e.ServiceName,
		ServiceURL: serviceURL, SourceType: e.SenderType, ControlType: e.ControlType, FileURL: p.fileURL(ep, e),
	})
	if err != nil {
		return fmt.Errorf("encode event %s: %w", e.MessageCode, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook %d: bad URL: %w", ep.ID, unwrapURLError(err))
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "ccflow-webhook/1")
	req.Header.Set(HeaderEventID, e.MessageCode)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Signature(ep.Secret, ts, body))
	resp, err := p.Client.Do(req)
	if err != nil {
		return fmt.Errorf("push event %s to webhook %d: %w", e.MessageCode, ep.ID, unwrapURLError(err))
	}
	p.discard(ctx, ep.ID, resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("push event %s to webhook %d: receiver answered %d", e.MessageCode, ep.ID, resp.StatusCode)
	}
	return nil
}

// fileURL is the signed link to a media message's file, fresh at each
// attempt so that a retried event carries a link that still works.
func (p *Pusher) fileURL(ep models.WebhookEndpoint, e models.ChatRecord) string {
	if p.PublicURL == "" || !files.IsFileMedia(e.MediaType) {
		return ""
	}
	key, fileType, ok := files.ParseContent(e.Content)
	if !ok {
		return ""
	}
	ttl := p.FileLinkTTL
	if ttl <= 0 {
		ttl = DefaultFileLinkTTL
	}
	return files.SignedLink(p.PublicURL, ep.Secret, ep.ID, key, fileType, time.Now().Add(ttl))
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
