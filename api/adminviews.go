package api

import (
	"context"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/admin"
	"github.com/ccflow/ccflow/internal/transfer"
	"github.com/ccflow/ccflow/models"
)

// The admin API's answers. Secrets appear only in the *WithSecret answers of
// create and rotate; password hashes never.

type tenantView struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	BusinessID int64  `json:"businessId"`
	AppID      string `json:"appId"`
	VendorID   string `json:"vendorId"`
	SiteID     string `json:"siteId"`
	Logo       string `json:"logo"`
	// TransferWords is the tenant's list, or the built-in one it has not set.
	TransferWords []string `json:"transferWords"`
	// FileRetentionDays is 0 for the server's default.
	FileRetentionDays int64     `json:"fileRetentionDays"`
	CreatedAt         time.Time `json:"createdAt"`
	UpdatedAt         time.Time `json:"updatedAt"`
}

func viewTenant(t models.Tenant) any {
	words, err := transfer.Of(t.TransferWords)
	if err != nil {
		// Only this API writes the column, always as a JSON list.
		words = transfer.Defaults
	}
	return tenantView{
		ID: t.ID, Name: t.Name, BusinessID: t.BusinessID, AppID: t.AppID, VendorID: t.VendorID, SiteID: t.SiteID,
		Logo: t.Logo, TransferWords: words, FileRetentionDays: t.FileRetentionDays, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
	}
}

type appKeyView struct {
	Key       string    `json:"key"`
	TenantID  string    `json:"tenantId"`
	Name      string    `json:"name"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"createdAt"`
}

type appKeyWithSecret struct {
	appKeyView
	Secret string `json:"secret"`
}

func viewAppKey(k models.AppKey) appKeyView {
	return appKeyView{Key: k.Key, TenantID: k.TenantID, Name: k.Name, Disabled: k.Disabled, CreatedAt: k.CreatedAt}
}

type channelConfigView struct {
	ID                string    `json:"id"`
	TenantID          string    `json:"tenantId"`
	Name              string    `json:"name"`
	RobotEnabled      bool      `json:"robotEnabled"`
	RobotNickname     string    `json:"robotNickname"`
	RobotGreeting     string    `json:"robotGreeting"`
	RobotMaxMisses    int       `json:"robotMaxMisses"`
	WorkingHours      string    `json:"workingHours"`
	TimeZone          string    `json:"timeZone"`
	Locale            string    `json:"locale"`
	MaxQueueWaitSec   int       `json:"maxQueueWaitSec"`
	RobotIdleSec      int       `json:"robotIdleSec"`
	QueueIdleSec      int       `json:"queueIdleSec"`
	AgentIdleSec      int       `json:"agentIdleSec"`
	SatisfactionSec   int       `json:"satisfactionSec"`
	DefaultSkillGroup int64     `json:"defaultSkillGroup"`
	CreatedAt         time.Time `json:"createdAt"`
	UpdatedAt         time.Time `json:"updatedAt"`
}

func viewChannelConfig(cc models.ChannelConfig) any {
	return channelConfigView{
		ID: cc.ID, TenantID: cc.TenantID, Name: cc.Name, RobotEnabled: cc.RobotEnabled, RobotNickname: cc.RobotNickname,
		RobotGreeting: cc.RobotGreeting, RobotMaxMisses: cc.RobotMaxMisses, WorkingHours: cc.WorkingHours,
		TimeZone: cc.TimeZone, Locale: cc.Locale, MaxQueueWaitSec: cc.MaxQueueWaitSec, RobotIdleSec: cc.RobotIdleSec,
		QueueIdleSec: cc.QueueIdleSec, AgentIdleSec: cc.AgentIdleSec, SatisfactionSec: cc.SatisfactionSec,
		DefaultSkillGroup: cc.DefaultSkillGroup, CreatedAt: cc.CreatedAt, UpdatedAt: cc.UpdatedAt,
	}
}

type skillGroupView struct {
	ID        int64     `json:"id"`
	TenantID  string    `json:"tenantId"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

func viewSkillGroup(g models.SkillGroup) any {
	return skillGroupView{ID: g.ID, TenantID: g.TenantID, Name: g.Name, CreatedAt: g.CreatedAt}
}

type agentView struct {
	ID          string    `json:"id"`
	TenantID    string    `json:"tenantId"`
	Username    string    `json:"username"`
	Nickname    string    `json:"nickname"`
	Capacity    int       `json:"capacity"`
	Avatar      string    `json:"avatar"`
	SkillGroups []int64   `json:"skillGroups"`
	Disabled    bool      `json:"disabled"`
	Role        string    `json:"role"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

func viewAgent(a admin.Agent) any {
	return agentView{
		ID: a.ID, TenantID: a.TenantID, Username: a.Username, Nickname: a.Nickname, Capacity: a.Capacity,
		Avatar: a.Avatar, SkillGroups: a.SkillGroups, Disabled: a.Disabled, Role: a.Role, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
}

type faqView struct {
	ID        uint64    `json:"id"`
	TenantID  string    `json:"tenantId"`
	Question  string    `json:"question"`
	Answer    string    `json:"answer"`
	Keywords  string    `json:"keywords"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func viewFAQ(e models.FAQEntry) any {
	return faqView{ID: e.ID, TenantID: e.TenantID, Question: e.Question, Answer: e.Answer, Keywords: e.Keywords,
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

type webhookView struct {
	ID       uint64 `json:"id"`
	TenantID string `json:"tenantId"`
	URL      string `json:"url"`
	Enabled  bool   `json:"enabled"`
	// Healthy is false once deliveries have failed for
	// CCFLOW_WEBHOOK_UNHEALTHY_AFTER, until an event is accepted again.
	Healthy      bool       `json:"healthy"`
	FailingSince *time.Time `json:"failingSince"`
	LastError    string     `json:"lastError"`
	CreatedAt    time.Time  `json:"createdAt"`
	UpdatedAt    time.Time  `json:"updatedAt"`
}

type webhookWithSecret struct {
	webhookView
	Secret string `json:"secret"`
}

func viewWebhook(w models.WebhookEndpoint) webhookView {
	return webhookView{ID: w.ID, TenantID: w.TenantID, URL: w.URL, Enabled: w.Enabled, Healthy: w.UnhealthySince == nil,
		FailingSince: w.FailingSince, LastError: w.LastError, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
}

// adminHandlers are the admin API's resources and its key check.
type adminHandlers struct {
	auth        gin.HandlerFunc
	tenants     *adminResource[string, models.Tenant, admin.NewTenant, admin.TenantFields]
	appKeys     *adminResource[string, models.AppKey, admin.NewAppKey, admin.AppKeyFields]
	channels    *adminResource[string, models.ChannelConfig, admin.NewChannelConfig, admin.ChannelConfigFields]
	skillGroups *adminResource[int64, models.SkillGroup, admin.NewSkillGroup, admin.SkillGroupFields]
	agents      *adminResource[string, admin.Agent, admin.NewAgent, admin.AgentFields]
	faq         *adminResource[uint64, models.FAQEntry, admin.NewFAQEntry, admin.FAQFields]
	webhooks    *adminResource[uint64, models.WebhookEndpoint, admin.NewWebhook, admin.WebhookFields]
}

func newAdminHandlers(d Deps, b *binder) *adminHandlers {
	s := d.Admin
	offliner := agentOffliner(d)
	return &adminHandlers{
		auth: adminAuth(d.AdminKey, s),
		tenants: &adminResource[string, models.Tenant, admin.NewTenant, admin.TenantFields]{
			bind: b, parseID: stringID, what: "tenant", view: viewTenant, created: viewTenant,
			doCreate: s.CreateTenant, doGet: s.Tenant, doUpdate: s.UpdateTenant, doDelete: s.DeleteTenant,
			doList: func(ctx context.Context, _ string, p admin.Page) (admin.List[models.Tenant], error) {
				return s.Tenants(ctx, p)
			},
			// This process's sends see new transfer words at once; other
			// replicas within their cache's ttl.
			changed: func(t models.Tenant) {
				if d.Chat != nil && d.Chat.Transfer != nil {
					d.Chat.Transfer.Invalidate(t.ID)
				}
			},
		},
		appKeys: &adminResource[string, models.AppKey, admin.NewAppKey, admin.AppKeyFields]{
			bind: b, parseID: stringID, what: "app key",
			view:     func(k models.AppKey) any { return viewAppKey(k) },
			created:  func(k models.AppKey) any { return appKeyWithSecret{viewAppKey(k), k.Secret} },
			doCreate: s.CreateAppKey, doGet: s.AppKey, doUpdate: s.UpdateAppKey, doDelete: s.DeleteAppKey,
			doList: s.AppKeys, doRotate: s.RotateAppKey,
		},
		channels: &adminResource[string, models.ChannelConfig, admin.NewChannelConfig, admin.ChannelConfigFields]{
			bind: b, parseID: stringID, what: "channel config", view: viewChannelConfig, created: viewChannelConfig,
			doCreate: s.CreateChannelConfig, doGet: s.ChannelConfig, doUpdate: s.UpdateChannelConfig,
			doDelete: s.DeleteChannelConfig, doList: s.ChannelConfigs,
		},
		skillGroups: &adminResource[int64, models.SkillGroup, admin.NewSkillGroup, admin.SkillGroupFields]{
			bind: b, parseID: int64ID, what: "skill group", view: viewSkillGroup, created: viewSkillGroup,
			doCreate: s.CreateSkillGroup, doGet: s.SkillGroup, doUpdate: s.UpdateSkillGroup,
			doDelete: s.DeleteSkillGroup, doList: s.SkillGroups,
		},
		agents: &adminResource[string, admin.Agent, admin.NewAgent, admin.AgentFields]{
			bind: b, parseID: stringID, what: "agent", view: viewAgent, created: viewAgent,
			doCreate: s.CreateAgent, doGet: s.Agent, doList: s.Agents,
			// A deleted or disabled agent's sessions end with the write (the
			// agent API reads the row on every request); routing is told too,
			// so their conversations go back to the queue at once.
			doUpdate: func(ctx context.Context, id string, f admin.AgentFields) (admin.Agent, error) {
				a, err := s.UpdateAgent(ctx, id, f)
				if err == nil && f.Disabled != nil && *f.Disabled {
					takeOffline(ctx, d.Logger, offliner, a.TenantID, a.ID)
				}
				return a, err
			},
			doDelete: func(ctx context.Context, id string) (admin.Agent, error) {
				a, err := s.DeleteAgent(ctx, id)
				if err == nil {
					takeOffline(ctx, d.Logger, offliner, a.TenantID, a.ID)
				}
				return a, err
			},
		},
		faq: &adminResource[uint64, models.FAQEntry, admin.NewFAQEntry, admin.FAQFields]{
			bind: b, parseID: uint64ID, what: "FAQ entry", view: viewFAQ, created: viewFAQ,
			doCreate: s.CreateFAQEntry, doGet: s.FAQEntry, doUpdate: s.UpdateFAQEntry,
			doDelete: s.DeleteFAQEntry, doList: s.FAQEntries,
			// This process's robot and suggestions see the edit at once;
			// other replicas within their cache's ttl.
			changed: func(e models.FAQEntry) {
				if d.FAQ != nil {
					d.FAQ.Invalidate(e.TenantID)
				}
			},
		},
		webhooks: &adminResource[uint64, models.WebhookEndpoint, admin.NewWebhook, admin.WebhookFields]{
			bind: b, parseID: uint64ID, what: "webhook",
			view:     func(w models.WebhookEndpoint) any { return viewWebhook(w) },
			created:  func(w models.WebhookEndpoint) any { return webhookWithSecret{viewWebhook(w), w.Secret} },
			doCreate: s.CreateWebhook, doGet: s.Webhook, doUpdate: s.UpdateWebhook, doDelete: s.DeleteWebhook,
			doList: s.Webhooks, doRotate: s.RotateWebhook,
		},
	}
}
