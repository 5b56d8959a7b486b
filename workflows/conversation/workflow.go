package conversation

import (
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
)

// State is everything a conversation carries across continue-as-new.
type State struct {
	// ConversationID is the first run's id; it names the conversation for good.
	ConversationID string
	Channel        Channel
	Visitor        Visitor
	Phase          Phase
	StartedAt      time.Time
	EndedAt        *time.Time
	CloseReason    string
	// NextSeq numbers messages in both directions, across runs.
	NextSeq int64
	// Messages holds the downlink messages a poll may still ask for.
	Messages []Message
	// Unsaved is what the persister has not yet written to the database.
	Unsaved activities.PersistBatch
	// Dedupe is the recent client dedupe keys, oldest first.
	Dedupe       []string
	LastActivity time.Time
	Greeted      bool
}

const (
	// keepMessages bounds the downlink messages kept for polls.
	keepMessages = 500
	// keepDedupe bounds the dedupe window.
	keepDedupe = 256
)

// conv is the running workflow around its state.
type conv struct {
	State
	workflowID string
}

// Workflow runs one conversation. A first run gets a State holding only the
// channel and the visitor; later runs get the state continue-as-new carried.
func Workflow(ctx workflow.Context, st State) error {
	info := workflow.GetInfo(ctx)
	c := &conv{State: st, workflowID: info.WorkflowExecution.ID}
	if c.ConversationID == "" {
		c.ConversationID = info.WorkflowExecution.RunID
		c.StartedAt = workflow.Now(ctx)
		c.LastActivity = c.StartedAt
		c.Phase = PhaseRobot
		if !c.Channel.RobotEnabled {
			c.Phase = PhaseQueued
		}
		c.saveConversation()
	}
	if err := workflow.SetQueryHandler(ctx, QueryMessages, c.messagesAfter); err != nil {
		return err
	}
	if err := workflow.SetQueryHandler(ctx, QueryState, c.snapshot); err != nil {
		return err
	}
	sends := workflow.GetSignalChannel(ctx, SignalSend)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var s SendSignal
			sends.Receive(ctx, &s)
			c.onSend(ctx, s)
		}
	})
	workflow.Go(ctx, c.persist)
	c.publish(ctx)
	return c.run(ctx, sends)
}

// run is the main loop: it waits for the end of the conversation, an idle
// timeout, or the point to continue as new.
func (c *conv) run(ctx workflow.Context, sends workflow.ReceiveChannel) error {
	for c.Phase != PhaseClosed {
		seen := c.LastActivity
		idle := c.idleTimeout()
		woke, err := awaitOrTimeout(ctx, idle, func() bool {
			return c.Phase == PhaseClosed || !c.LastActivity.Equal(seen) ||
				workflow.GetInfo(ctx).GetContinueAsNewSuggested()
		})
		if err != nil {
			return err
		}
		if !woke {
			c.close(ctx, "idle")
			continue
		}
		if c.Phase != PhaseClosed && workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return err
			}
			// Signals still buffered would be lost with this run: apply them first.
			for {
				var s SendSignal
				if !sends.ReceiveAsync(&s) {
					break
				}
				c.onSend(ctx, s)
			}
			return workflow.NewContinueAsNewError(ctx, Workflow, c.State)
		}
	}
	// The records must be written before the conversation may end.
	return workflow.Await(ctx, func() bool { return c.unsavedEmpty() })
}

func awaitOrTimeout(ctx workflow.Context, d time.Duration, cond func() bool) (bool, error) {
	if d <= 0 {
		return true, workflow.Await(ctx, cond)
	}
	return workflow.AwaitWithTimeout(ctx, d, cond)
}

func (c *conv) idleTimeout() time.Duration {
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

// onSend applies one customer send.
func (c *conv) onSend(ctx workflow.Context, s SendSignal) {
	if c.Phase == PhaseClosed || c.seen(s.DedupeKey) {
		return
	}
	c.LastActivity = workflow.Now(ctx)
	switch s.ControlType {
	case ControlConnect:
		c.record(ctx, c.fromCustomer(ctx, s))
		if c.Phase == PhaseRobot && !c.Greeted && c.Channel.RobotGreeting != "" {
			c.Greeted = true
			c.say(ctx, SourceRobot, c.Channel.RobotNickname, c.Channel.RobotGreeting)
		}
	case ControlChat:
		c.record(ctx, c.fromCustomer(ctx, s))
	case ControlDisconnect:
		c.record(ctx, c.fromCustomer(ctx, s))
		c.close(ctx, "customer")
	}
}

func (c *conv) seen(key string) bool {
	if key == "" {
		return false
	}
	for _, k := range c.Dedupe {
		if k == key {
			return true
		}
	}
	c.Dedupe = append(c.Dedupe, key)
	if len(c.Dedupe) > keepDedupe {
		c.Dedupe = c.Dedupe[len(c.Dedupe)-keepDedupe:]
	}
	return false
}

func (c *conv) fromCustomer(ctx workflow.Context, s SendSignal) Message {
	return Message{
		SourceType: SourceCustomer, SenderID: c.Visitor.UserID, SenderNickname: s.SenderNickname,
		ControlType: s.ControlType, MediaType: s.MediaType, Content: s.Content, At: workflow.Now(ctx),
	}
}

// say sends a text message to the visitor.
func (c *conv) say(ctx workflow.Context, source SourceType, nickname, text string) {
	c.record(ctx, Message{
		Downlink: true, SourceType: source, SenderID: c.Channel.ID, SenderNickname: nickname,
		ControlType: ControlChat, MediaType: "TEXT", Content: text, At: workflow.Now(ctx),
	})
}

// record numbers a message, keeps it for polls when it is downlink, and
// queues it for the database.
func (c *conv) record(ctx workflow.Context, m Message) {
	c.NextSeq++
	m.Seq = c.NextSeq
	m.MessageCode = c.ConversationID + "-" + strconv.FormatInt(m.Seq, 10)
	if m.Downlink {
		c.Messages = append(c.Messages, m)
		if len(c.Messages) > keepMessages {
			c.Messages = c.Messages[len(c.Messages)-keepMessages:]
		}
	}
	c.Unsaved.Messages = append(c.Unsaved.Messages, activities.MessageRecord{
		TenantID: c.Channel.TenantID, ConversationID: c.ConversationID, UserID: c.Visitor.UserID,
		Seq: m.Seq, ToVisitor: m.Downlink, SenderType: string(m.SourceType), SenderID: m.SenderID,
		ControlType: string(m.ControlType), MediaType: m.MediaType, Content: m.Content,
		MessageCode: m.MessageCode, At: m.At,
	})
}

func (c *conv) close(ctx workflow.Context, reason string) {
	now := workflow.Now(ctx)
	c.EndedAt = &now
	c.CloseReason = reason
	c.Phase = PhaseClosed
	c.saveConversation()
	c.publish(ctx)
}

// saveConversation queues the conversation row's current state for the database.
func (c *conv) saveConversation() {
	c.Unsaved.Conversation = &activities.ConversationRecord{
		ID: c.ConversationID, WorkflowID: c.workflowID, TenantID: c.Channel.TenantID,
		ChannelConfigID: c.Channel.ID, UserID: c.Visitor.UserID, UserName: c.Visitor.UserName,
		Phase: string(c.Phase), SkillGroupID: c.Channel.SkillGroupID, StartedAt: c.StartedAt,
		EndedAt: c.EndedAt, ClosedAt: c.EndedAt, CloseReason: c.CloseReason,
	}
}

func (c *conv) unsavedEmpty() bool {
	return c.Unsaved.Conversation == nil && len(c.Unsaved.Messages) == 0
}

// persist writes unsaved records in the background, so that a database
// outage delays the records but never the conversation. Activity retries
// never give up; the batch stays in the state until it is written.
func (c *conv) persist(ctx workflow.Context) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
	var store *activities.Store
	for {
		if err := workflow.Await(ctx, func() bool { return !c.unsavedEmpty() }); err != nil {
			return
		}
		batch := c.Unsaved
		err := workflow.ExecuteActivity(ctx, store.Persist, batch).Get(ctx, nil)
		if err != nil {
			// Only cancellation ends an activity with unlimited retries.
			return
		}
		c.dropSaved(batch)
	}
}

// dropSaved removes what a batch wrote, keeping whatever arrived meanwhile.
func (c *conv) dropSaved(batch activities.PersistBatch) {
	if c.Unsaved.Conversation == batch.Conversation {
		c.Unsaved.Conversation = nil
	}
	c.Unsaved.Messages = c.Unsaved.Messages[len(batch.Messages):]
}

// publish keeps search attributes and the current-details line up to date for Temporal UI.
func (c *conv) publish(ctx workflow.Context) {
	err := workflow.UpsertTypedSearchAttributes(ctx,
		SATenant.ValueSet(c.Channel.TenantID),
		SAChannelConfig.ValueSet(c.Channel.ID),
		SAUser.ValueSet(c.Visitor.UserID),
		SAPhase.ValueSet(string(c.Phase)),
		SASkillGroup.ValueSet(strconv.FormatInt(c.Channel.SkillGroupID, 10)),
	)
	if err != nil {
		workflow.GetLogger(ctx).Warn("upsert search attributes", "error", err)
	}
	workflow.SetCurrentDetails(ctx, c.details())
}

func (c *conv) details() string {
	switch c.Phase {
	case PhaseRobot:
		return fmt.Sprintf("robot serving %s, %d messages", c.Visitor.UserID, c.NextSeq)
	case PhaseClosed:
		return fmt.Sprintf("closed (%s) after %d messages", c.CloseReason, c.NextSeq)
	}
	return fmt.Sprintf("%s, %d messages", c.Phase, c.NextSeq)
}

func (c *conv) messagesAfter(q MessagesQuery) ([]Message, error) {
	out := []Message{}
	for _, m := range c.Messages {
		if m.Seq > q.AfterSeq {
			out = append(out, m)
		}
	}
	return out, nil
}

func (c *conv) snapshot() (Snapshot, error) {
	return Snapshot{
		ConversationID: c.ConversationID, Phase: c.Phase, TenantID: c.Channel.TenantID,
		ChannelID: c.Channel.ID, UserID: c.Visitor.UserID, LastSeq: c.NextSeq,
	}, nil
}
