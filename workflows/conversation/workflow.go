package conversation

import (
	"encoding/json"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/workflows/internal/wait"
	"github.com/ccflow/ccflow/workflows/routing"
)

// localRetryWindow is how long a local activity is retried: far longer
// than any outage a conversation should outlive.
const localRetryWindow = 30 * 24 * time.Hour

// conv is the running workflow around its state.
type conv struct {
	State
	workflowID string
	// mu serialises the life-cycle logic of handlers, the robot, routing's
	// signals and timeouts: each reads the phase and writes a transition, and
	// two transitions must never interleave.
	mu workflow.Mutex
	// requests counts what this run handled, for ContinueAsNewAfter.
	requests int
	// assigned and requeued are routing's signals, robot the visitor's questions.
	assigned, requeued, robot, rated workflow.ReceiveChannel
	// loaded is set once the state is read; validators accept until then and
	// handlers check again under the lock.
	loaded bool
	// pushing counts the webhook deliveries still running.
	pushing int
	// stopPushes cancels the deliveries before a continue-as-new.
	stopPushes workflow.CancelFunc
}

// ConversationWorkflow runs one conversation from the visitor's CONNECT to
// its close: the robot, the queue, the agent, the rating. A first run loads
// the conversation the API opened; later runs get the state continue-as-new
// carried.
func ConversationWorkflow(ctx workflow.Context, in Start) error {
	info := workflow.GetInfo(ctx)
	c := &conv{workflowID: info.WorkflowExecution.ID, mu: workflow.NewMutex(ctx)}
	// Signal channels first: handlers and coroutines read them.
	c.assigned = workflow.GetSignalChannel(ctx, routing.SignalAssigned)
	c.requeued = workflow.GetSignalChannel(ctx, routing.SignalRequeued)
	c.robot = workflow.GetSignalChannel(ctx, SignalRobotQuestion)
	c.rated = workflow.GetSignalChannel(ctx, SignalRated)
	// Handlers first, so that an update that came with the start (a
	// command that had to start the workflow) finds them; they wait on the
	// lock until the conversation is loaded.
	if err := c.mu.Lock(ctx); err != nil {
		return err
	}
	if err := c.register(ctx); err != nil {
		return err
	}
	if in.State != nil {
		c.State = *in.State
	} else if err := c.load(ctx, in.ConversationID); err != nil {
		return err
	}
	c.loaded = true
	c.mu.Unlock()
	pushCtx, stop := workflow.WithCancel(ctx)
	c.stopPushes = stop
	c.startPushes(pushCtx)
	workflow.Go(ctx, c.route)
	workflow.Go(ctx, c.robotLoop)
	workflow.Go(ctx, c.listen)
	if c.Phase == PhaseQueued && c.RouteTicket == 0 {
		// A channel without the robot opens its conversations in the queue.
		c.requestQueue()
	}
	c.publish(ctx)
	return c.run(ctx)
}

// localOptions retries a log write or a routing request until it succeeds:
// a database or routing outage delays the conversation's life, never ends
// it. Without ScheduleToClose the SDK would give up after StartToClose.
func localOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: localRetryWindow,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    200 * time.Millisecond,
			BackoffCoefficient: 2,
			MaximumInterval:    30 * time.Second,
		},
	})
}

// load reads the conversation the API opened. Its settings are the channel
// snapshot taken at the CONNECT.
func (c *conv) load(ctx workflow.Context, id string) error {
	var a *activities.Conversations
	var l activities.Loaded
	if err := workflow.ExecuteLocalActivity(localOptions(ctx), a.Load, id).Get(ctx, &l); err != nil {
		return err
	}
	var ch Channel
	// Decoding a recorded activity result is deterministic; workflowcheck
	// flags encoding/json only for its use of reflection.
	//workflowcheck:ignore
	if err := json.Unmarshal([]byte(l.Settings), &ch); err != nil {
		return temporal.NewNonRetryableApplicationError("conversation settings unreadable", "ccflow.BadSettings", err)
	}
	c.ConversationID, c.Channel = id, ch
	c.Visitor = Visitor{UserID: l.UserID, UserName: l.UserName}
	c.Phase, c.SkillGroupID, c.StartedAt, c.QueuedAt = Phase(l.Phase), l.SkillGroupID, l.StartedAt, l.QueuedAt
	c.LastActivity, c.Transitions = l.LastActivity, l.Transition
	// Every ticket routing holds is at most the transitions so far: a run
	// that starts on a conversation already queued or served (a crash before
	// its first start was recorded) can still take it out of routing.
	c.RouteTicket = l.Transition
	c.Agent = AgentRef{AgentID: l.AgentID, AgentName: l.AgentName}
	c.AgentJoined, c.Rated = l.AgentJoined, l.Rated
	return nil
}

// register installs the update and query handlers.
func (c *conv) register(ctx workflow.Context) error {
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCommand, c.onCommand,
		workflow.UpdateHandlerOptions{Validator: c.validateCommand}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAgentTransfer, c.onAgentTransfer,
		workflow.UpdateHandlerOptions{Validator: c.validateAgentTransfer}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAgentClose, c.onAgentClose,
		workflow.UpdateHandlerOptions{Validator: c.validateAgentClose}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateStartCall, c.onStartCall,
		workflow.UpdateHandlerOptions{Validator: c.validateStartCall}); err != nil {
		return err
	}
	return workflow.SetQueryHandler(ctx, QueryState, c.snapshot)
}

// listen applies routing's signals and the visitor's rating, one at a time.
func (c *conv) listen(ctx workflow.Context) {
	for {
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(c.assigned, func(ch workflow.ReceiveChannel, _ bool) {
			var a routing.Assignment
			ch.Receive(ctx, &a)
			c.locked(ctx, func() error { return c.onAssigned(ctx, a) })
		})
		sel.AddReceive(c.requeued, func(ch workflow.ReceiveChannel, _ bool) {
			var q routing.Requeue
			ch.Receive(ctx, &q)
			c.locked(ctx, func() error { return c.onRequeued(ctx, q) })
		})
		sel.AddReceive(c.rated, func(ch workflow.ReceiveChannel, _ bool) {
			ch.Receive(ctx, nil)
			c.locked(ctx, func() error { return c.onRated(ctx) })
		})
		sel.Select(ctx)
	}
}

// underLock runs f as one step of the conversation's life: under the
// life-cycle lock, counted for continue-as-new, and shown in Temporal UI
// afterwards. Handlers, routing's signals, the robot and timeouts all go
// through it.
func underLock[T any](ctx workflow.Context, c *conv, f func() (T, error)) (T, error) {
	var zero T
	if err := c.mu.Lock(ctx); err != nil {
		return zero, err
	}
	defer c.mu.Unlock()
	defer c.publish(ctx)
	defer c.tellCall(ctx)
	c.requests++
	return f()
}

// locked is underLock for a step nobody waits on: a failure is logged (its
// writes retry without limit, so only cancellation ends one).
func (c *conv) locked(ctx workflow.Context, f func() error) {
	if _, err := underLock(ctx, c, func() (struct{}, error) { return struct{}{}, f() }); err != nil {
		workflow.GetLogger(ctx).Warn("conversation step failed", "error", err)
	}
}

// run waits for the close, the current phase's deadline, or the point to
// continue as new; then it waits for routing and webhooks to finish.
func (c *conv) run(ctx workflow.Context) error {
	for c.Phase != PhaseClosed {
		phase, last := c.Phase, c.LastActivity
		woke, err := wait.Until(ctx, c.deadline(), func() bool {
			return c.Phase != phase || c.LastActivity.After(last) || c.shouldContinueAsNew(ctx)
		})
		if err != nil {
			return err
		}
		if c.Phase != PhaseClosed && c.shouldContinueAsNew(ctx) {
			return c.continueAsNew(ctx)
		}
		if !woke {
			c.locked(ctx, func() error { return c.onTimeout(ctx) })
		}
	}
	return workflow.Await(ctx, func() bool {
		return len(c.Routing) == 0 && c.pushing == 0 && workflow.AllHandlersFinished(ctx) && c.CallID == ""
	})
}

func (c *conv) shouldContinueAsNew(ctx workflow.Context) bool {
	if c.CallID != "" {
		// A call is a child of this run: the run lasts until it ends.
		return false
	}
	if c.ContinueAsNewAfter > 0 && c.requests >= c.ContinueAsNewAfter {
		return true
	}
	return workflow.GetInfo(ctx).GetContinueAsNewSuggested()
}

// continueAsNew hands the state to a new run once every handler finished,
// routing's signals and the robot's questions are drained into the state,
// and the webhook deliveries have stopped (their cursors are in the log).
func (c *conv) continueAsNew(ctx workflow.Context) error {
	c.stopPushes()
	for {
		// Wait without the lock: handlers and routing's signals need it to
		// finish, and the deliveries learn of their cancel only at a heartbeat.
		if err := workflow.Await(ctx, func() bool {
			return workflow.AllHandlersFinished(ctx) && c.pushing == 0 &&
				c.assigned.Len() == 0 && c.requeued.Len() == 0 && c.rated.Len() == 0
		}); err != nil {
			return err
		}
		if err := c.mu.Lock(ctx); err != nil {
			return err
		}
		// An update that came while the lock was taken waits for it: let it run.
		if workflow.AllHandlersFinished(ctx) && c.assigned.Len() == 0 && c.requeued.Len() == 0 && c.rated.Len() == 0 {
			break
		}
		c.mu.Unlock()
	}
	c.drainQuestions()
	st := c.State
	st.ContinueAsNewAfter = c.ContinueAsNewAfter
	return workflow.NewContinueAsNewError(ctx, WorkflowName, Start{ConversationID: c.ConversationID, State: &st})
}

// deadline is when the current phase times out; zero means never. A queue
// also ends at the channel's maximum wait, whatever the activity.
func (c *conv) deadline() time.Time {
	idle := func(d time.Duration) time.Time {
		if d <= 0 {
			return time.Time{}
		}
		return c.LastActivity.Add(d)
	}
	switch c.Phase {
	case PhaseRobot:
		return idle(c.Channel.RobotIdle)
	case PhaseQueued:
		at := idle(c.Channel.QueueIdle)
		if c.Channel.MaxQueueWait > 0 && c.QueuedAt != nil {
			maxAt := c.QueuedAt.Add(c.Channel.MaxQueueWait)
			if at.IsZero() || maxAt.Before(at) {
				at = maxAt
			}
		}
		return at
	case PhaseAgent:
		return idle(c.Channel.AgentIdle)
	case PhaseSatisfaction:
		return idle(c.Channel.SatisfactionWait)
	}
	return time.Time{}
}

// idleFor is the current phase's idle timeout.
func (c *conv) idleFor() time.Duration {
	switch c.Phase {
	case PhaseRobot:
		return c.Channel.RobotIdle
	case PhaseQueued:
		return c.Channel.QueueIdle
	case PhaseAgent:
		return c.Channel.AgentIdle
	case PhaseSatisfaction:
		return c.Channel.SatisfactionWait
	}
	return 0
}

// onTimeout acts on a deadline that passed. An idle timeout asks the log
// first: visitors and agents write messages the workflow does not see, and
// the transition applies only if the log agrees nothing happened since.
func (c *conv) onTimeout(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	d := c.deadline()
	if d.IsZero() || now.Before(d) {
		return nil
	}
	if c.Phase == PhaseQueued && c.Channel.MaxQueueWait > 0 && c.QueuedAt != nil && !now.Before(c.QueuedAt.Add(c.Channel.MaxQueueWait)) {
		return c.leaveQueue(ctx, "queue-timeout", nil)
	}
	since := now.Add(-c.idleFor())
	reason := "idle"
	if c.Phase == PhaseSatisfaction {
		reason = "rating-timeout"
	}
	if c.Phase == PhaseSatisfaction || c.Phase == PhaseQueued {
		return c.close(ctx, reason, &since)
	}
	return c.end(ctx, reason, &since)
}

// quietListingVersion is the GetVersion change id of steps that upsert
// nothing when nothing listed changed (a robot's answer, a step right after
// a start that carried the listing). Before it every step upserted all six
// attributes: a history event and a visibility write each. It is asked only
// at such a step, so its own marker and TemporalChangeVersion upsert come
// once per run, at the first one.
const quietListingVersion = "quiet-listing"

// publish keeps search attributes and the details line up to date for
// Temporal UI. The details line is no history event; an upsert is one, and
// a visibility write besides, so it carries only what changed (which keys
// an upsert carries is not part of what a replay checks).
func (c *conv) publish(ctx workflow.Context) {
	changed := c.listing().changedFrom(workflow.GetTypedSearchAttributes(ctx))
	if len(changed) == 0 && workflow.GetVersion(ctx, quietListingVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		// A run that took this step before the change upserted anyway.
		changed = c.listing().changedFrom(temporal.SearchAttributes{})
	}
	if len(changed) > 0 {
		if err := workflow.UpsertTypedSearchAttributes(ctx, changed...); err != nil {
			workflow.GetLogger(ctx).Warn("upsert search attributes", "error", err)
		}
	}
	workflow.SetCurrentDetails(ctx, c.details())
}

// listing is the conversation as Temporal UI lists it.
func (c *conv) listing() Listing {
	return Listing{
		TenantID: c.Channel.TenantID, ChannelID: c.Channel.ID, UserID: c.Visitor.UserID,
		Phase: c.Phase, AgentID: c.Agent.AgentID, SkillGroupID: c.SkillGroupID,
	}
}

func (c *conv) details() string {
	tail := fmt.Sprintf("%d messages, last activity %s", c.Messages, c.LastActivity.UTC().Format(time.RFC3339))
	switch c.Phase {
	case PhaseRobot:
		return fmt.Sprintf("robot serving %s, %s", c.Visitor.UserID, tail)
	case PhaseQueued:
		return fmt.Sprintf("%s queued in skill group %d since %s, %s", c.Visitor.UserID, c.SkillGroupID, c.QueuedAt.UTC().Format(time.RFC3339), tail)
	case PhaseAgent:
		return fmt.Sprintf("%s with agent %s, %s", c.Visitor.UserID, c.Agent.AgentID, tail)
	case PhaseSatisfaction:
		return fmt.Sprintf("%s asked for a rating, %s", c.Visitor.UserID, tail)
	}
	return fmt.Sprintf("closed (%s), %s", c.CloseReason, tail)
}

func (c *conv) snapshot() (Snapshot, error) {
	return Snapshot{
		ConversationID: c.ConversationID, Phase: c.Phase, TenantID: c.Channel.TenantID,
		ChannelID: c.Channel.ID, UserID: c.Visitor.UserID, SkillGroupID: c.SkillGroupID,
		QueuedAt: c.QueuedAt, MaxQueueWait: c.Channel.MaxQueueWait, AgentID: c.Agent.AgentID,
		LastSeq: c.Messages, UserName: c.Visitor.UserName, AssignedAt: c.AssignedAt,
		AgentName: c.Agent.AgentName,
	}, nil
}
