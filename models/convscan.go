package models

// ConversationColumns are Conversation's columns in the order of
// (*Conversation).Fields, for the hot paths that read a whole row without
// GORM's reflection (the message log's lock on every append).
// TestConversationColumnsAreTheSchema fails when a field is added to
// Conversation and not here.
const ConversationColumns = "id, workflow_id, tenant_id, channel_config_id, user_id, user_name, phase, " +
	"skill_group_id, agent_id, started_at, queued_at, assigned_at, ended_at, closed_at, close_reason, " +
	"updated_at, open_key, last_seq, delivered_seq, last_activity, transition, agent_name, agent_joined, " +
	"rated, product_card, settings, workflow_started, agent_typing_at, robot_unsignalled_seq"

// Fields are pointers to c's fields in the order of ConversationColumns,
// for a database/sql Scan.
func (c *Conversation) Fields() []any {
	return []any{&c.ID, &c.WorkflowID, &c.TenantID, &c.ChannelConfigID, &c.UserID, &c.UserName, &c.Phase,
		&c.SkillGroupID, &c.AgentID, &c.StartedAt, &c.QueuedAt, &c.AssignedAt, &c.EndedAt, &c.ClosedAt, &c.CloseReason,
		&c.UpdatedAt, &c.OpenKey, &c.LastSeq, &c.DeliveredSeq, &c.LastActivity, &c.Transition, &c.AgentName, &c.AgentJoined,
		&c.Rated, &c.ProductCard, &c.Settings, &c.WorkflowStarted, &c.AgentTypingAt, &c.RobotUnsignalledSeq}
}
