package conversation

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
)

// PushQueue is one webhook endpoint's events not yet delivered, oldest first.
// Each endpoint has its own queue so that one receiver being down neither
// holds back another nor makes it receive events twice.
type PushQueue struct {
	EndpointID uint64
	Events     []activities.PushEvent
	// Dropped counts the events refused because the backlog was full.
	Dropped int
}

const (
	// pushRetryWindow is how long an event is retried (DESIGN §6 asks for at
	// least 24 hours); after it the event is dropped with an error log.
	pushRetryWindow = 25 * time.Hour
	// pushAttemptTimeout covers a whole batch posted to a receiver that
	// answers each request just before the client's 10 s timeout.
	pushAttemptTimeout = 2 * time.Minute
	// maxPushBatch bounds the events one attempt posts.
	maxPushBatch = 10
	// maxPushBacklog and maxPushBacklogBytes (of content) bound an endpoint's
	// queue: the queue lives in the workflow's state and travels with
	// continue-as-new, whose payload must stay small whatever a dead receiver
	// does. Past them new events are dropped with an error log.
	maxPushBacklog      = 500
	maxPushBacklogBytes = 512 << 10
)

// startPushes gives each of the channel's webhook endpoints a queue (on a
// first run; later runs carry theirs) and a coroutine that delivers it.
func (c *conv) startPushes(ctx workflow.Context) {
	if len(c.Pushes) == 0 {
		for _, id := range c.Channel.PushEndpoints {
			c.Pushes = append(c.Pushes, PushQueue{EndpointID: id})
		}
	}
	for i := range c.Pushes {
		workflow.Go(ctx, func(ctx workflow.Context) { c.push(ctx, i) })
	}
}

// push delivers endpoint i's queue in the background, in order, a batch at a
// time, so that a slow or dead receiver delays its events and nothing else.
// The activity retries with backoff through the retry window; a batch still
// refused then is dropped, so that one receiver cannot keep the run open
// for ever.
func (c *conv) push(ctx workflow.Context, i int) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:              PushTaskQueue,
		ScheduleToCloseTimeout: pushRetryWindow,
		StartToCloseTimeout:    pushAttemptTimeout,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    10 * time.Minute,
		},
	})
	var pusher *activities.Pusher
	for {
		if err := workflow.Await(ctx, func() bool { return len(c.Pushes[i].Events) > 0 }); err != nil {
			return
		}
		q := c.Pushes[i]
		batch := q.Events[:min(len(q.Events), maxPushBatch)]
		err := workflow.ExecuteActivity(ctx, pusher.Push, activities.PushRequest{
			TenantID: c.Channel.TenantID, EndpointID: q.EndpointID, Events: batch,
		}).Get(ctx, nil)
		if temporal.IsCanceledError(err) {
			return
		}
		if err != nil {
			workflow.GetLogger(ctx).Error("webhook events dropped: not accepted within the retry window",
				"endpoint", q.EndpointID, "first", batch[0].EventID, "last", batch[len(batch)-1].EventID, "error", err)
		}
		c.Pushes[i].Events = c.Pushes[i].Events[len(batch):]
	}
}

// queuePush adds a just recorded message to every endpoint's queue.
func (c *conv) queuePush(ctx workflow.Context, m Message) {
	if len(c.Pushes) == 0 {
		return
	}
	serviceID, serviceName := c.service()
	e := activities.PushEvent{
		EventID: m.MessageCode, ConversationID: c.ConversationID, Seq: m.Seq, VisitorID: c.Visitor.UserID,
		Content: m.Content, BusinessID: c.Channel.BusinessID, ServiceID: serviceID, ServiceName: serviceName,
		Direction: activities.DirectionToService, At: m.At, SkillGroup: c.SkillGroupID,
		State: activities.StateOnline, SourceType: string(m.SourceType), ControlType: string(m.ControlType),
	}
	if m.Downlink {
		e.Direction = activities.DirectionToVisiter
	}
	// close() sets ClosedAt before it says goodbye, so the closing notice is offline.
	if c.ClosedAt != nil {
		e.State = activities.StateOffline
	}
	for i := range c.Pushes {
		q := &c.Pushes[i]
		if len(q.Events) >= maxPushBacklog || backlogBytes(q.Events)+len(e.Content) > maxPushBacklogBytes {
			q.Dropped++
			workflow.GetLogger(ctx).Error("webhook backlog full: event dropped",
				"endpoint", q.EndpointID, "event", e.EventID, "dropped", q.Dropped)
			continue
		}
		q.Events = append(q.Events, e)
	}
}

// service is who serves the visitor now, as spec 001's service_id and
// service_name: the agent, else the robot (which has no id) in its phase.
func (c *conv) service() (id, name string) {
	if c.Agent.AgentID != "" {
		return c.Agent.AgentID, c.Agent.AgentName
	}
	if c.Phase == PhaseRobot && c.Channel.RobotEnabled {
		return "", c.Channel.RobotNickname
	}
	return "", ""
}

func backlogBytes(events []activities.PushEvent) int {
	n := 0
	for _, e := range events {
		n += len(e.Content)
	}
	return n
}

// pushesEmpty reports whether every endpoint has received everything.
func (c *conv) pushesEmpty() bool {
	for _, q := range c.Pushes {
		if len(q.Events) > 0 {
			return false
		}
	}
	return true
}
