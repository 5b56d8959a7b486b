// Package models holds ccflow's GORM models and their versioned migrations.
//
// The same models serve MySQL (production) and SQLite (the zero-setup default);
// the schema itself is owned by the SQL migrations under migrations/, never by
// AutoMigrate, so that both databases get exactly the reviewed DDL.
package models

import "time"

// Tenant is one merchant using ccflow (spec 000's vendor/site, spec 001's business, spec 004's seller).
type Tenant struct {
	ID         string `gorm:"primaryKey;size:64"`
	Name       string `gorm:"size:128;not null"`
	BusinessID int64  `gorm:"uniqueIndex;not null"`
	AppID      string `gorm:"size:64;uniqueIndex;not null"`
	VendorID   string `gorm:"size:64;not null"`
	SiteID     string `gorm:"size:64;not null"`
	Logo       string `gorm:"size:512;not null"`
	// TransferWords is the JSON array of lines that, typed to the robot,
	// ask for a person; nil means the built-in list.
	TransferWords *string   `gorm:"type:text"`
	CreatedAt     time.Time `gorm:"not null"`
	UpdatedAt     time.Time `gorm:"not null"`
	// FileRetentionDays is how long the tenant's files are kept; 0 means
	// the server's default (CCFLOW_FILE_RETENTION).
	FileRetentionDays int64 `gorm:"not null;default:0"`
}

// AppKey is an AK/SK pair of a tenant (spec 003 §2). The secret is kept because
// the leave-message API (spec 002) verifies an HMAC keyed with it.
type AppKey struct {
	Key       string    `gorm:"primaryKey;size:64"`
	TenantID  string    `gorm:"size:64;index;not null"`
	Secret    string    `gorm:"size:128;not null"`
	Name      string    `gorm:"size:64;not null"`
	Disabled  bool      `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
}

// ChannelConfig is a WEB channel configuration ("配置ID" in spec 003).
type ChannelConfig struct {
	ID       string `gorm:"primaryKey;size:64"`
	TenantID string `gorm:"size:64;index;not null"`
	Name     string `gorm:"size:128;not null"`
	// RobotEnabled starts conversations with the FAQ robot; otherwise they queue at once.
	RobotEnabled   bool   `gorm:"not null"`
	RobotNickname  string `gorm:"size:64;not null"`
	RobotGreeting  string `gorm:"size:500;not null"`
	RobotMaxMisses int    `gorm:"not null"`
	// WorkingHours is "always" or a weekly schedule such as "mon-fri 09:00-18:00;sat 10:00-16:00".
	WorkingHours string `gorm:"size:256;not null"`
	TimeZone     string `gorm:"size:64;not null"`
	Locale       string `gorm:"size:16;not null"`
	// MaxQueueWaitSec is configMaxcWaitTime of spec 003 §4.
	MaxQueueWaitSec   int       `gorm:"not null"`
	RobotIdleSec      int       `gorm:"not null"`
	QueueIdleSec      int       `gorm:"not null"`
	AgentIdleSec      int       `gorm:"not null"`
	SatisfactionSec   int       `gorm:"not null"`
	DefaultSkillGroup int64     `gorm:"not null"`
	CreatedAt         time.Time `gorm:"not null"`
	UpdatedAt         time.Time `gorm:"not null"`
}

// SkillGroup is a queue of agents (spec 001's merchant group).
type SkillGroup struct {
	ID        int64     `gorm:"primaryKey;autoIncrement:false"`
	TenantID  string    `gorm:"size:64;index;not null"`
	Name      string    `gorm:"size:64;not null"`
	CreatedAt time.Time `gorm:"not null"`
}

// Agent is a human customer-service agent.
type Agent struct {
	ID           string `gorm:"primaryKey;size:64"`
	TenantID     string `gorm:"size:64;index;not null"`
	Username     string `gorm:"size:64;uniqueIndex;not null"`
	Nickname     string `gorm:"size:64;not null"`
	PasswordHash string `gorm:"size:100;not null"`
	Capacity     int    `gorm:"not null"`
	Avatar       string `gorm:"size:512;not null"`
	// Disabled agents cannot log in, and their sessions end at once.
	Disabled bool `gorm:"not null"`
	// SessionVersion is carried by every session token the agent gets; a
	// logout, a password change or a disable increments it, which ends every
	// session issued before on every replica (each agent request reads it).
	SessionVersion int64 `gorm:"not null"`
	// Role is "agent" or "supervisor": a supervisor also sees the tenant's
	// live view and reports. The agent API reads it on every request.
	Role      string    `gorm:"size:16;not null;default:'agent'"`
	CreatedAt time.Time `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

// AgentSkill places an agent in a skill group.
type AgentSkill struct {
	AgentID      string `gorm:"primaryKey;size:64"`
	SkillGroupID int64  `gorm:"primaryKey;autoIncrement:false"`
}

// FAQEntry is one question/answer the robot and the phrase suggestions draw on.
type FAQEntry struct {
	ID        uint64    `gorm:"primaryKey"`
	TenantID  string    `gorm:"size:64;index;not null"`
	Question  string    `gorm:"size:500;not null"`
	Answer    string    `gorm:"size:2000;not null"`
	Keywords  string    `gorm:"size:500;not null"`
	CreatedAt time.Time `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

// WebhookEndpoint is a tenant's push URL (spec 001's custom push URL).
type WebhookEndpoint struct {
	ID        uint64    `gorm:"primaryKey"`
	TenantID  string    `gorm:"size:64;index;not null"`
	URL       string    `gorm:"size:1024;not null"`
	Secret    string    `gorm:"size:128;not null"`
	Enabled   bool      `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`
	// FailingSince is when deliveries began to fail; nil while the last
	// attempt was accepted.
	FailingSince *time.Time
	// UnhealthySince is when the endpoint had failed for the configured time
	// (CCFLOW_WEBHOOK_UNHEALTHY_AFTER); nil while healthy.
	UnhealthySince *time.Time
	// LastError is the last failed attempt's error; empty while healthy.
	LastError string `gorm:"size:512;not null;default:''"`
}

// Conversation is one run of the conversation workflow.
type Conversation struct {
	// ID is the workflow run id: one row per run of conv:{channelConfigId}:{userId}.
	ID              string    `gorm:"primaryKey;size:64"`
	WorkflowID      string    `gorm:"size:200;index;not null"`
	TenantID        string    `gorm:"size:64;index;not null"`
	ChannelConfigID string    `gorm:"size:64;index:idx_conversations_visitor,priority:1;not null"`
	UserID          string    `gorm:"size:128;index;index:idx_conversations_visitor,priority:2;not null"`
	UserName        string    `gorm:"size:128;not null"`
	Phase           string    `gorm:"size:16;not null"`
	SkillGroupID    int64     `gorm:"not null"`
	AgentID         string    `gorm:"size:64;not null"`
	StartedAt       time.Time `gorm:"index:idx_conversations_visitor,priority:3;index:idx_conversations_unstarted,priority:2;not null"`
	QueuedAt        *time.Time
	AssignedAt      *time.Time
	EndedAt         *time.Time
	ClosedAt        *time.Time
	CloseReason     string    `gorm:"size:32;not null"`
	UpdatedAt       time.Time `gorm:"not null"`
	// OpenKey is channel config and user while the conversation is open and
	// NULL after: its unique index keeps a visitor to one open conversation
	// per channel.
	OpenKey *string `gorm:"size:200;uniqueIndex:idx_conversations_open_key"`
	// LastSeq is the seq of the conversation's latest message: a write takes
	// the next one under the row's lock.
	LastSeq int64 `gorm:"not null;default:0"`
	// DeliveredSeq is the last downlink message a cursor-less poll handed out.
	DeliveredSeq int64 `gorm:"not null;default:0"`
	// LastActivity is the last message of the visitor or the agent; idle timeouts read it.
	LastActivity *time.Time
	// Transition counts the workflow's phase changes: a retried one applies once.
	Transition  int64  `gorm:"not null;default:0"`
	AgentName   string `gorm:"size:64;not null;default:''"`
	AgentJoined bool   `gorm:"not null;default:false"`
	Rated       bool   `gorm:"not null;default:false"`
	// ProductCard is the product JSON the visitor came about, for agents.
	ProductCard string `gorm:"size:2000;not null;default:''"`
	// Settings is the channel config snapshot (JSON) the conversation runs with.
	Settings string `gorm:"type:text;not null"`
	// WorkflowStarted is set once the conversation's workflow is known to run.
	WorkflowStarted bool `gorm:"index:idx_conversations_unstarted,priority:1;not null;default:false"`
	// AgentTypingAt is when the serving agent last typed, for the visitor's poll.
	AgentTypingAt *time.Time
	// RobotUnsignalledSeq is the newest robot question whose signal to the
	// workflow is not confirmed (0: none); the API's sweep signals it again.
	RobotUnsignalledSeq int64 `gorm:"index:idx_conversations_robot_unsignalled;not null;default:0"`
}

// ChatRecord is one message of a conversation, in either direction (spec 004's chat record).
type ChatRecord struct {
	ID             uint64 `gorm:"primaryKey"`
	TenantID       string `gorm:"size:64;index:idx_chat_records_member,priority:1;not null"`
	ConversationID string `gorm:"size:64;index:idx_chat_records_conv,priority:1;uniqueIndex:idx_chat_records_client_key,priority:1;not null"`
	UserID         string `gorm:"size:128;index:idx_chat_records_member,priority:2;not null"`
	Seq            int64  `gorm:"index:idx_chat_records_conv,priority:2;not null"`
	// Direction is "to_service" (visitor to ccflow) or "to_visiter" (to the visitor), as spec 001 spells them.
	Direction  string `gorm:"size:16;not null"`
	SenderType string `gorm:"size:16;not null"`
	SenderID   string `gorm:"size:128;not null"`
	MediaType  string `gorm:"size:16;not null"`
	RCType     string `gorm:"column:rc_type;size:32;not null"`
	Content    string `gorm:"type:text;not null"`
	// MessageCode is unique: it makes every write of a message idempotent.
	MessageCode       string    `gorm:"size:64;uniqueIndex;not null"`
	CreatedAt         time.Time `gorm:"not null"`
	DeletedByMemberAt *time.Time
	DeletedBySellerAt *time.Time
	// ClientKey is the sender's messageCode or Idempotency-Key: a repeated
	// send finds its first write by it.
	ClientKey      *string `gorm:"size:128;uniqueIndex:idx_chat_records_client_key,priority:2"`
	ControlType    string  `gorm:"size:16;not null;default:''"`
	SenderNickname string  `gorm:"size:128;not null;default:''"`
	// Phase is the conversation's phase when the message was written.
	Phase string `gorm:"size:16;not null;default:''"`
	// ServiceID and ServiceName are who served the visitor then (spec 001's push fields).
	ServiceID    string `gorm:"size:64;not null;default:''"`
	ServiceName  string `gorm:"size:128;not null;default:''"`
	SkillGroupID int64  `gorm:"not null;default:0"`
	// Closing marks the notice that closed the conversation (spec 001's state offline).
	Closing bool `gorm:"not null;default:false"`
	// InterIdx numbers the robot's answers (spec 003 §17).
	InterIdx int64 `gorm:"not null;default:0"`
	// SimQuestions is the robot's similar questions as a JSON array, or empty.
	SimQuestions string `gorm:"type:text;not null"`
	// ChannelConfigID is the channel of a record a client created itself
	// (chat-records/create), which has no conversation; a conversation's
	// records leave it empty and take their conversation's.
	ChannelConfigID string `gorm:"size:64;not null;default:''"`
}

// AgentFeed is the head of an agent's event feed: the row a new event locks
// to take the next seq, and when the agent last read the feed.
type AgentFeed struct {
	AgentID  string `gorm:"primaryKey;size:64"`
	TenantID string `gorm:"size:64;not null"`
	LastSeq  int64  `gorm:"not null"`
	LastSeen *time.Time
	// Status is the presence the agent last chose; the presence sweep reads it.
	Status string `gorm:"size:16;not null;default:'OFFLINE'"`
}

// AgentEvent is one event of an agent's feed. A message event points at
// the chat record instead of copying it.
type AgentEvent struct {
	ID             uint64    `gorm:"primaryKey"`
	AgentID        string    `gorm:"size:64;uniqueIndex:idx_agent_events_feed,priority:1;not null"`
	Seq            int64     `gorm:"uniqueIndex:idx_agent_events_feed,priority:2;not null"`
	Type           string    `gorm:"size:16;not null"`
	ConversationID string    `gorm:"size:64;not null"`
	MessageSeq     int64     `gorm:"not null"`
	Payload        string    `gorm:"type:text;not null"`
	CreatedAt      time.Time `gorm:"index;not null"`
}

// AuthChange is one revocation of what authentication reads (an app key,
// an agent's sessions): every replica's tailer follows the table and drops
// the subject from its in-memory cache (internal/authcache). Rows are kept
// for a day, far longer than any tailer needs them.
type AuthChange struct {
	ID        uint64    `gorm:"primaryKey"`
	Subject   string    `gorm:"size:200;not null"`
	CreatedAt time.Time `gorm:"index;not null"`
}

// SupervisorNote is a supervisor's whisper: a note on a conversation that
// only its serving agent sees (never the visitor). The agent's feed gets a
// "whisper" event that points at it.
type SupervisorNote struct {
	ID             uint64    `gorm:"primaryKey"`
	TenantID       string    `gorm:"size:64;not null"`
	ConversationID string    `gorm:"size:64;index;not null"`
	AgentID        string    `gorm:"size:64;not null"`
	FromAgentID    string    `gorm:"size:64;not null"`
	FromName       string    `gorm:"size:64;not null"`
	Content        string    `gorm:"size:2000;not null"`
	CreatedAt      time.Time `gorm:"not null"`
}

// WebhookCursor is how far a webhook endpoint has received a conversation.
type WebhookCursor struct {
	ConversationID string    `gorm:"primaryKey;size:64"`
	EndpointID     uint64    `gorm:"primaryKey;autoIncrement:false"`
	DeliveredSeq   int64     `gorm:"not null"`
	UpdatedAt      time.Time `gorm:"not null"`
}

// SatisfactionRating is a visitor's rating of a conversation (spec 003 §6).
type SatisfactionRating struct {
	ConversationID  string    `gorm:"primaryKey;size:64"`
	TenantID        string    `gorm:"size:64;index;not null"`
	ChannelConfigID string    `gorm:"size:64;not null"`
	UserID          string    `gorm:"size:128;not null"`
	AgentID         string    `gorm:"size:64;not null"`
	Evaluation      int       `gorm:"not null"`
	Comment         string    `gorm:"size:512;not null"`
	CreatedAt       time.Time `gorm:"not null"`
}

// RobotFeedback is a visitor's verdict on one robot answer (spec 003 §17).
type RobotFeedback struct {
	ID              uint64    `gorm:"primaryKey"`
	TenantID        string    `gorm:"size:64;index;not null"`
	ConversationID  string    `gorm:"size:64;not null"`
	UserID          string    `gorm:"size:128;not null"`
	MessageCode     string    `gorm:"size:64;not null"`
	Feedback        int       `gorm:"not null"`
	FeedbackContent string    `gorm:"size:512;not null"`
	CreatedAt       time.Time `gorm:"not null"`
}

// StoredFile is the metadata of an uploaded file (spec 003 §8–9); the bytes
// live in the file store (internal/files) under ObjectKey.
type StoredFile struct {
	ObjectKey string `gorm:"primaryKey;size:64"`
	TenantID  string `gorm:"size:64;index;not null"`
	// UserID is the uploader: the visitor's user id, or the agent's id.
	UserID      string    `gorm:"size:128;not null"`
	FileName    string    `gorm:"size:255;not null"`
	MediaType   string    `gorm:"size:16;not null"`
	ContentType string    `gorm:"size:128;not null"`
	Size        int64     `gorm:"not null"`
	SHA256      string    `gorm:"column:sha256;size:64;not null"`
	CreatedAt   time.Time `gorm:"index:idx_stored_files_conversation,priority:2;index;not null"`
	// ChannelConfigID is the uploading visitor's channel (empty for an agent).
	ChannelConfigID string `gorm:"size:64;not null;default:''"`
	// UploaderType is CUSTOMER or AGENT.
	UploaderType string `gorm:"size:16;not null;default:''"`
	// FileType is the declared type (jpg, png, bmp, mp3, aac, mp4, txt, csv).
	FileType string `gorm:"size:8;not null;default:''"`
	// State is "pending" until the object is written, then "stored".
	State string `gorm:"size:16;not null;default:''"`
	// ConversationID and MessageSeq are the message that sent the file;
	// empty until it is sent, and a file unsent for an hour is removed.
	ConversationID string `gorm:"size:64;index:idx_stored_files_conversation,priority:1;not null;default:''"`
	MessageSeq     int64  `gorm:"not null;default:0"`
	ReferencedAt   *time.Time
}

// ClickToCall is a click-to-call (spec 003 §11–14): the record of one call
// from the visitor's request to its end, which the call workflow writes.
type ClickToCall struct {
	CallID          string `gorm:"primaryKey;size:64"`
	TenantID        string `gorm:"size:64;index;not null"`
	ChannelConfigID string `gorm:"size:64;index:idx_click_to_calls_visitor,priority:1;not null"`
	UserID          string `gorm:"size:128;index:idx_click_to_calls_visitor,priority:2;not null"`
	// MediaType is "audio" or "video" (createClickToCall's mediaAbility 0 or 1).
	MediaType string    `gorm:"size:16;not null"`
	State     string    `gorm:"size:16;not null"`
	CreatedAt time.Time `gorm:"index:idx_click_to_calls_visitor,priority:3;not null"`
	UpdatedAt time.Time `gorm:"not null"`
	// ConversationID is the conversation the call belongs to (its parent workflow).
	ConversationID string `gorm:"size:64;index;not null;default:''"`
	AgentID        string `gorm:"size:64;index;not null;default:''"`
	// AccessCode is the call's secret on ccflow's signalling endpoint (the
	// connected event's accessCode); NULL once the call ended.
	AccessCode *string `gorm:"size:64;uniqueIndex"`
	// Step counts the workflow's writes: a retried one applies once.
	Step        int64  `gorm:"not null;default:0"`
	EndReason   string `gorm:"size:32;not null;default:''"`
	QueuedAt    *time.Time
	RingingAt   *time.Time
	ConnectedAt *time.Time
	EndedAt     *time.Time
	DurationSec int64 `gorm:"not null;default:0"`
	// OfferSDP and AnswerSDP are the WebRTC session descriptions the two
	// browsers exchange through ccflow (complete, ICE candidates included).
	OfferSDP  *string `gorm:"type:text"`
	AnswerSDP *string `gorm:"type:text"`
	// EventsDelivered is the seq of the last event getClickToCallEvents answered.
	EventsDelivered int64 `gorm:"not null;default:0"`
	LastEvent       int64 `gorm:"not null;default:0"`
}

// ClickToCallEvent is one event of a call for the visitor
// (getClickToCallEvents), numbered per call.
type ClickToCallEvent struct {
	ID         uint64    `gorm:"primaryKey"`
	CallID     string    `gorm:"size:64;uniqueIndex:idx_click_to_call_events_seq,priority:1;not null"`
	Seq        int64     `gorm:"uniqueIndex:idx_click_to_call_events_seq,priority:2;not null"`
	EventID    string    `gorm:"size:16;not null"`
	ResultDesc string    `gorm:"size:64;not null"`
	CauseID    string    `gorm:"size:16;not null"`
	CauseDesc  string    `gorm:"size:256;not null"`
	CreatedAt  time.Time `gorm:"not null"`
}

// ClickToCallSetting is a channel config's click-to-call settings; a
// channel without a row does not offer click-to-call.
type ClickToCallSetting struct {
	ChannelConfigID string `gorm:"primaryKey;size:64"`
	TenantID        string `gorm:"size:64;index;not null"`
	Enabled         bool   `gorm:"not null"`
	VideoAllowed    bool   `gorm:"not null"`
	// QueueTimeoutSec bounds the wait for an agent, RingTimeoutSec the ringing.
	QueueTimeoutSec int       `gorm:"not null"`
	RingTimeoutSec  int       `gorm:"not null"`
	UpdatedAt       time.Time `gorm:"not null"`
}

// LeaveMessage is a row of cc_misc_lvmsg, whose DDL is fixed by spec 002.
type LeaveMessage struct {
	ID         string    `gorm:"column:id;primaryKey;size:50"`
	AccType    string    `gorm:"column:acc_type;size:50;not null"`
	AccName    string    `gorm:"column:acc_name;size:50;not null"`
	UserID     *string   `gorm:"column:user_id;size:50"`
	Contact    string    `gorm:"column:contact;size:32;not null"`
	Callback   string    `gorm:"column:callback;size:50;not null"`
	Tel        *string   `gorm:"column:tel;size:45"`
	Email      *string   `gorm:"column:email;size:100"`
	Subject    string    `gorm:"column:subject;size:50;not null"`
	Content    *string   `gorm:"column:content;size:2000"`
	CreateTime time.Time `gorm:"column:create_time;type:timestamp;not null"`
	UserData   *string   `gorm:"column:user_data;size:2000"`
	Tag        *string   `gorm:"column:tag;size:45"`
}

// TableName pins the spec's table name.
func (LeaveMessage) TableName() string { return "cc_misc_lvmsg" }

// LeaveMessageTenant records which tenant a leave message belongs to:
// cc_misc_lvmsg's fixed DDL has no tenant column.
type LeaveMessageTenant struct {
	MessageID string    `gorm:"primaryKey;size:50"`
	TenantID  string    `gorm:"size:64;index:idx_leave_message_tenants_list,priority:1;not null"`
	CreatedAt time.Time `gorm:"index:idx_leave_message_tenants_list,priority:2;not null"`
}

// SigningKey is the HMAC key every API replica signs and verifies tokens with.
// It lives in the database so that replicas agree on it with no configuration;
// the row with ID "current" is the one in use.
type SigningKey struct {
	ID string `gorm:"primaryKey;size:64"`
	// Secret is the key, hex-encoded so both databases store it as plain text.
	Secret    string    `gorm:"size:128;not null"`
	CreatedAt time.Time `gorm:"not null"`
}

// RequestNonce is a one-time request credential that has been used, such as a
// leave-message signature (spec 002). It lives in the database, not in memory,
// so that a request replayed to another API replica is refused too; a row is
// kept only until its request could no longer pass the freshness check.
type RequestNonce struct {
	// Scope keeps nonces of different APIs and apps apart ("leavemessage:1001").
	Scope string `gorm:"primaryKey;size:128"`
	// Nonce is the used credential itself, normalised (lower-case hex).
	Nonce string `gorm:"primaryKey;size:128"`
	// ExpiresAt is when the row may be deleted; indexed for that sweep.
	ExpiresAt time.Time `gorm:"index;not null"`
}

// WebKey is a single-use key that opens the customer chat page for one
// visitor: spec 000's guest entry and spec 001's visitor entry mint it, the
// page exchanges it once for a ccmessaging-token. Only the key's SHA-256 is
// stored, so the table cannot be read back into working links. An exchanged
// row stays a while because the session's CONNECT reads its product card.
type WebKey struct {
	ID uint64 `gorm:"primaryKey"`
	// KeyHash is the hex SHA-256 of the key handed out.
	KeyHash string `gorm:"size:64;uniqueIndex;not null"`
	// Source is the entry that minted the key: "guest" or "visitor".
	Source          string `gorm:"size:16;not null"`
	TenantID        string `gorm:"size:64;not null"`
	AppKey          string `gorm:"size:64;not null"`
	ChannelConfigID string `gorm:"size:64;not null"`
	UserID          string `gorm:"size:128;not null"`
	UserName        string `gorm:"size:128;not null"`
	Avatar          string `gorm:"size:512;not null"`
	SkillGroupID    int64  `gorm:"not null"`
	Locale          string `gorm:"size:16;not null"`
	// ProductCard is spec 001's product JSON object, compacted; empty for none.
	ProductCard string `gorm:"size:2000;not null"`
	// Contact is the guest's optional details of spec 000 as a JSON object.
	Contact   string    `gorm:"size:1000;not null"`
	CreatedAt time.Time `gorm:"not null"`
	// ExpiresAt ends the key's one chance; indexed for the sweep.
	ExpiresAt time.Time `gorm:"index;not null"`
	// UsedAt is set, once, by the exchange.
	UsedAt *time.Time
}

// All lists every model, for schema checks.
func All() []any {
	return []any{
		&Tenant{}, &AppKey{}, &ChannelConfig{}, &SkillGroup{}, &Agent{}, &AgentSkill{},
		&FAQEntry{}, &WebhookEndpoint{}, &Conversation{}, &ChatRecord{},
		&SatisfactionRating{}, &RobotFeedback{}, &StoredFile{}, &ClickToCall{}, &LeaveMessage{},
		&SigningKey{}, &RequestNonce{}, &LeaveMessageTenant{}, &WebKey{},
		&AgentFeed{}, &AgentEvent{}, &WebhookCursor{}, &SupervisorNote{},
		&ClickToCallEvent{}, &ClickToCallSetting{}, &AuthChange{}, &OutboundCall{}, &OutboundCallSetting{}, &SIPTrunk{},
	}
}

// OutboundCall is one anonymous outbound call a field agent's app asked for
// (spec 003 §16, mobileagent/createcall): the outbound call workflow writes
// it step by step. The access code opens the call once, until it expires.
type OutboundCall struct {
	CallSerialNo  string `gorm:"primaryKey;size:50"`
	TenantID      string `gorm:"size:64;index;not null"`
	AppKey        string `gorm:"size:64;not null"`
	Called        string `gorm:"size:32;not null"`
	CallerPresent string `gorm:"size:32;not null"`
	CallData      string `gorm:"size:1024;not null"`
	// AccessCode is cleared when the call ends (or its code expires).
	AccessCode *string `gorm:"size:32;uniqueIndex"`
	State      string  `gorm:"size:16;not null"`
	// Step is the last workflow step written (idempotent retries).
	Step        int64     `gorm:"not null"`
	EndReason   string    `gorm:"size:256;not null"`
	SIPStatus   int       `gorm:"column:sip_status;not null"`
	ExpiresAt   time.Time `gorm:"not null"`
	DialedAt    *time.Time
	ConnectedAt *time.Time
	EndedAt     *time.Time
	DurationSec int64     `gorm:"not null"`
	CreatedAt   time.Time `gorm:"index;not null"`
	UpdatedAt   time.Time `gorm:"not null"`
}

// OutboundCallSetting is a tenant's switch for anonymous outbound calls; a
// tenant without a row has them off.
type OutboundCallSetting struct {
	TenantID  string    `gorm:"primaryKey;size:64"`
	Enabled   bool      `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

// SIPTrunk is a tenant's own SIP trunk for its outbound calls, set through
// the admin API; a tenant without a row dials through the process's trunk
// (CCFLOW_SIP_TRUNK_*). The password is kept readable because digest
// authentication needs it (like AppKey.Secret) and is never returned.
type SIPTrunk struct {
	TenantID string `gorm:"primaryKey;size:64"`
	// Address is the trunk's host:port.
	Address   string    `gorm:"size:255;not null"`
	Username  string    `gorm:"size:128;not null"`
	Password  string    `gorm:"size:128;not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

// TableName is sip_trunks (GORM would say s_ip_trunks).
func (SIPTrunk) TableName() string { return "sip_trunks" }
