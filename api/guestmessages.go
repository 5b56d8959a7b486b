package api

import (
	"fmt"
	"strings"
)

// guestLang is a language spec 000's lang header selects. The header's
// values follow Java locales (zh_CN); ccflow answers in the two it has texts for.
type guestLang string

// The languages of the guest entry's messages.
const (
	langZhCN guestLang = "zh_CN"
	langEnUS guestLang = "en_US"
	// defaultGuestLang is spec 000's default, also used to refuse a bad lang.
	defaultGuestLang = langZhCN
)

// parseGuestLang reads the lang header: empty is spec 000's default, and the
// hyphenated and bare spellings browsers and apps use are accepted too.
func parseGuestLang(raw string) (guestLang, bool) {
	switch strings.ToLower(strings.ReplaceAll(strings.TrimSpace(raw), "-", "_")) {
	case "", "zh_cn", "zh":
		return langZhCN, true
	case "en_us", "en":
		return langEnUS, true
	}
	return defaultGuestLang, false
}

// locale is the ISO 639 code the chat session runs in.
func (l guestLang) locale() string {
	if l == langEnUS {
		return "en"
	}
	return "zh"
}

// guestText is one message of the guest entry in both languages, as
// fmt formats; the arguments are the same for both.
type guestText struct{ zh, en string }

// The guest entry's messages. The success text is spec 000's own.
var (
	gtOK          = guestText{"取得资料成功", "Data retrieved successfully"}
	gtLang        = guestText{"不支持的 lang：%q，请使用 zh_CN 或 en_US", "unsupported lang %q: use zh_CN or en_US"}
	gtRoleMissing = guestText{"缺少 role 请求头，其值应为 MOBILE", "the role header is required and must be MOBILE"}
	gtRole        = guestText{"role 必须为 MOBILE，收到 %q", "role must be MOBILE, got %q"}
	gtBody        = guestText{"请求体必须是一个字段均为字符串的 JSON 对象", "the request body must be one JSON object whose fields are strings"}
	gtRequired    = guestText{"%s 不能为空", "%s is required"}
	gtTooLong     = guestText{"%s 不能超过 %d 个字符", "%s must be at most %d characters"}
	gtOneLine     = guestText{"%s 只能是一行文字，不能包含控制字符", "%s must be one line without control characters"}
	gtPhone       = guestText{"phoneNumber 格式不正确：应为 5 到 20 位数字，可带开头的 + 及数字间的空格或 -", "phoneNumber must be 5 to 20 digits, optionally with a leading + and single spaces or hyphens between digits"}
	gtQQ          = guestText{"qq 格式不正确：应为 5 到 12 位数字，且不以 0 开头", "qq must be 5 to 12 digits not starting with 0"}
	gtWechat      = guestText{"wechat 格式不正确：应为以字母开头的 6 到 20 位字母、数字、_ 或 -，或一个手机号", "wechat must be 6 to 20 letters, digits, _ or - starting with a letter, or a phone number"}
	gtHost        = guestText{"client_host 必须是域名，例如 cchd12.com", "client_host must be a domain name, such as cchd12.com"}
	gtSite        = guestText{"找不到 vendorId %q、siteId %q 对应的站点", "no site with vendorId %q and siteId %q"}
	gtClosed      = guestText{"该站点尚未开通网页客服", "this site has no web chat"}
	gtTooLarge    = guestText{"请求体过大，上限为 %d 字节", "the request body is larger than %d bytes"}
	gtTooMany     = guestText{"请求过于频繁，请 %s 秒后重试", "too many requests from this client, retry in %s seconds"}
	gtUnavailable = guestText{"服务暂时不可用，请稍后重试", "service temporarily unavailable, retry later"}
	gtNoPath      = guestText{"请求的路径或方法不存在", "no such path or method"}
	gtInternal    = guestText{"服务器内部错误，请求编号 %s", "internal error, request id %s"}
)

// in formats the message in lang.
func (t guestText) in(lang guestLang, args ...any) string {
	format := t.zh
	if lang == langEnUS {
		format = t.en
	}
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// guestMessage is a guestText with its arguments, formatted once the
// language is known.
type guestMessage struct {
	text guestText
	args []any
}

func (m guestMessage) in(lang guestLang) string { return m.text.in(lang, m.args...) }

// joinIn lists several problems in lang's punctuation.
func joinIn(lang guestLang, msgs []guestMessage) string {
	parts := make([]string, len(msgs))
	for i, m := range msgs {
		parts[i] = m.in(lang)
	}
	if lang == langEnUS {
		return strings.Join(parts, "; ")
	}
	return strings.Join(parts, "；")
}
