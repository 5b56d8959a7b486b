package models

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Demo identifiers from DESIGN §9, which the README quickstart and tests rely on.
const (
	// DemoTenantID is the demo tenant (vendorId "demo", appid "1001").
	DemoTenantID = "demo"
	// DemoAppKey is the AK that gets a token in the quickstart.
	DemoAppKey = "demo-app-key"
	// DemoAppSecret is DemoAppKey's SK, published on purpose: demo data only.
	DemoAppSecret = "demo-app-secret"
	// DemoChannelConfigID is the WEB channel config of spec 003's examples.
	DemoChannelConfigID = "1011577355744904195"
)

// demoAgent is an agent of the demo tenant with its plain password, hashed only when inserted.
type demoAgent struct {
	id, nickname, password string
	groups                 []int64
}

var (
	demoTenant = Tenant{
		ID: DemoTenantID, Name: "Demo Shop", BusinessID: 1, AppID: "1001",
		VendorID: "demo", SiteID: "web",
	}
	demoAppKeys = []AppKey{
		{Key: DemoAppKey, TenantID: DemoTenantID, Secret: DemoAppSecret, Name: "demo"},
	}
	demoChannelConfigs = []ChannelConfig{{
		ID: DemoChannelConfigID, TenantID: DemoTenantID, Name: "Demo WEB",
		RobotEnabled: true, RobotNickname: "小C", RobotGreeting: "欢迎欢迎，热烈欢迎", RobotMaxMisses: 3,
		WorkingHours: "always", TimeZone: "Asia/Shanghai", Locale: "zh",
		MaxQueueWaitSec: 300, RobotIdleSec: 600,
		// 0: a queued visitor is not timed out for silence; MaxQueueWaitSec governs.
		QueueIdleSec: 0,
		AgentIdleSec: 900, SatisfactionSec: 120, DefaultSkillGroup: 11,
	}}
	demoSkillGroups = []SkillGroup{
		{ID: 11, TenantID: DemoTenantID, Name: "test1"},
		{ID: 12, TenantID: DemoTenantID, Name: "多商戶分組1"},
	}
	demoAgents = []demoAgent{
		{id: "agent1", nickname: "客服1号", password: "agent1-pass", groups: []int64{11, 12}},
		{id: "agent2", nickname: "客服2号", password: "agent2-pass", groups: []int64{12}},
	}
	// IDs are fixed so that "already there" means the same row even after an
	// operator rewords a question; a natural key on the text would re-add it.
	demoFAQ = []FAQEntry{
		{ID: 1, Question: "版本", Answer: "当前版本为 ccflow 1.0：机器人问答、排队转人工、满意度评价与留言均已支持。", Keywords: "版本,version,ccflow"},
		{ID: 2, Question: "网格版APP在哪里下载", Answer: "在应用商店搜索“网格通”即可下载，也可扫描营业厅海报上的二维码。", Keywords: "网格,APP,下载"},
		{ID: 3, Question: "网格版APP怎么登录?", Answer: "使用工号和短信验证码登录；首次登录需在 PC 端完成实名绑定。", Keywords: "网格,APP,登录"},
		{ID: 4, Question: "网格版APP支持什么手机版本", Answer: "支持 Android 8.0 及以上和 iOS 13 及以上版本。", Keywords: "网格,APP,手机,版本"},
		{ID: 5, Question: "网格如何划分", Answer: "网格按街道和社区划分，每个网格约 300 户，由一名网格员负责。", Keywords: "网格,划分"},
		{ID: 6, Question: "网格员职责是什么", Answer: "网格员负责信息采集、隐患排查、政策宣传和事件上报。", Keywords: "网格员,职责"},
		{ID: 7, Question: "网格事件如何上报", Answer: "在网格版APP中选择“事件上报”，拍照并填写位置和描述后提交，系统会自动派单处理。", Keywords: "网格,事件,上报"},
		{ID: 8, Question: "多久发货？", Answer: "付款后 48 小时内发货，节假日顺延；发货后可在“我的订单”查看物流。", Keywords: "发货,快递,物流"},
		{ID: 9, Question: "How long does shipping take?", Answer: "Orders ship within 48 hours of payment; delivery usually takes 3 to 5 business days.", Keywords: "shipping,delivery,ship"},
		{ID: 10, Question: "如何退货？", Answer: "签收后 7 天内可在“我的订单”申请无理由退货，商品需保持完好，退款原路返回。", Keywords: "退货,退款,售后"},
		{ID: 11, Question: "How do I get an invoice?", Answer: "Electronic invoices are emailed once your order is delivered; you can also download them under My Orders.", Keywords: "invoice,发票,receipt"},
		{ID: 12, Question: "What are your opening hours?", Answer: "Our online service is open 24/7; phone support answers 9:00 to 18:00 (UTC+8) on weekdays.", Keywords: "opening hours,hours,营业时间,工作时间"},
		{ID: 13, Question: "怎么开发票？", Answer: "订单签收后电子发票会发送到您的邮箱，也可以在“我的订单”中下载。", Keywords: "发票,开票"},
		{ID: 14, Question: "怎么查询订单？", Answer: "在“我的订单”中可以查看每个订单的状态和物流进度；也可以把订单号发给人工客服帮您查询。", Keywords: "订单,查询,查单"},
		{ID: 15, Question: "Where is my order?", Answer: "Open My Orders to see your order's status and tracking; an agent can also look it up with your order number.", Keywords: "order status,tracking,track"},
		{ID: 16, Question: "有哪些支付方式？", Answer: "可以用微信支付、支付宝或银联卡，部分地区可以货到付款。", Keywords: "支付方式,微信,支付宝,银联"},
		{ID: 17, Question: "Which payment methods do you accept?", Answer: "We accept WeChat Pay, Alipay and UnionPay cards, and cash on delivery in some areas.", Keywords: "payment,pay,alipay,wechat pay"},
		{ID: 18, Question: "如何修改收货地址？", Answer: "订单发货前可在“我的订单”中修改收货地址；已发货的订单请转人工客服处理。", Keywords: "地址,收货地址,改地址"},
		{ID: 19, Question: "How do I return an item?", Answer: "Return an unused item within 7 days of delivery from My Orders; the refund goes back the way you paid.", Keywords: "return,returns,refund"},
	}
)

// SeedDemo loads the demo data, inserting only rows that are missing so an operator's edits survive; it reports whether it inserted anything.
func SeedDemo(ctx context.Context, db *gorm.DB) (bool, error) {
	inserted := false
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		insert := func(what string, value any) error {
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(value)
			if res.Error != nil {
				return fmt.Errorf("seed %s: %w", what, res.Error)
			}
			if res.RowsAffected > 0 {
				inserted = true
			}
			return nil
		}
		tenant := demoTenant
		if err := insert("tenant", &tenant); err != nil {
			return err
		}
		// Copies: Create writes timestamps back into the values it is given.
		if err := insert("app keys", append([]AppKey(nil), demoAppKeys...)); err != nil {
			return err
		}
		if err := insert("channel configs", append([]ChannelConfig(nil), demoChannelConfigs...)); err != nil {
			return err
		}
		if err := insert("skill groups", append([]SkillGroup(nil), demoSkillGroups...)); err != nil {
			return err
		}
		for _, a := range demoAgents {
			if err := seedAgent(tx, a, insert); err != nil {
				return err
			}
		}
		faq := append([]FAQEntry(nil), demoFAQ...)
		for i := range faq {
			faq[i].TenantID = DemoTenantID
		}
		return insert("FAQ entries", faq)
	})
	if err != nil {
		return false, err
	}
	return inserted, nil
}

func seedAgent(tx *gorm.DB, a demoAgent, insert func(string, any) error) error {
	// bcrypt is slow by design; skip it on every start after the first. An
	// existing agent also keeps whatever skill groups an operator gave it.
	err := tx.Select("id").Where("id = ?", a.id).Take(&Agent{}).Error
	if err == nil {
		return nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("seed agent %s: %w", a.id, err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(a.password), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("seed agent %s: %w", a.id, err)
	}
	agent := Agent{
		ID: a.id, TenantID: DemoTenantID, Username: a.id, Nickname: a.nickname,
		PasswordHash: string(hash), Capacity: 3,
	}
	if err := insert("agent "+a.id, &agent); err != nil {
		return err
	}
	skills := make([]AgentSkill, 0, len(a.groups))
	for _, g := range a.groups {
		skills = append(skills, AgentSkill{AgentID: a.id, SkillGroupID: g})
	}
	return insert("skills of "+a.id, skills)
}
