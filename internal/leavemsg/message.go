package leavemsg

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/ccflow/ccflow/models"
)

// Request fields of spec 002, as the JSON body spells them. FieldError.Field
// holds one of these, so callers can map a failure to a result code.
const (
	// FieldContact is the contact's name, 2 to 32 characters.
	FieldContact = "contact"
	// FieldCallback is how to answer: email, fax, sms or tel.
	FieldCallback = "callback"
	// FieldTel is the phone number, required for fax, sms and tel.
	FieldTel = "tel"
	// FieldEmail is the address, required for email.
	FieldEmail = "email"
	// FieldSubject is the subject, at most 50 characters.
	FieldSubject = "subject"
	// FieldContent is the message, at most 2000 characters.
	FieldContent = "content"
	// FieldUserData is the app's JSON data, at most 2000 bytes.
	FieldUserData = "user_data"
	// FieldUserID is the app's user id, at most 50 characters.
	FieldUserID = "user_id"
	// FieldAccType is ccflow's addition: app (the default) or weixin.
	FieldAccType = "acc_type"
	// FieldAccName is the WeChat account name, required for weixin.
	FieldAccName = "acc_name"
)

// Account types of cc_misc_lvmsg.acc_type (spec 002).
const (
	// AccTypeApp is a message from an app; acc_name is the app's name.
	AccTypeApp = "app"
	// AccTypeWeixin is a message relayed from a WeChat account named by acc_name.
	AccTypeWeixin = "weixin"
)

// Callback methods of spec 002.
const (
	// CallbackEmail answers by e-mail.
	CallbackEmail = "email"
	// CallbackFax answers by fax.
	CallbackFax = "fax"
	// CallbackSMS answers by text message.
	CallbackSMS = "sms"
	// CallbackTel answers by phone call.
	CallbackTel = "tel"
)

// Limits of spec 002 and of cc_misc_lvmsg's columns, in characters unless said.
const (
	// MinContact is the shortest contact.
	MinContact = 2
	// MaxContact is the longest contact (varchar(32)).
	MaxContact = 32
	// MaxSubject is the longest subject (varchar(50)).
	MaxSubject = 50
	// MaxContent is the longest content (varchar(2000)).
	MaxContent = 2000
	// MaxUserData is the most bytes of user_data as stored JSON (varchar(2000)).
	MaxUserData = 2000
	// MaxUserID is the longest user_id (varchar(50)).
	MaxUserID = 50
	// MaxAccName is the longest acc_name (varchar(50)).
	MaxAccName = 50
	// MaxEmail is the longest email (varchar(100)).
	MaxEmail = 100
)

// visitorTitle ("visitor") completes a contact name shorter than MinContact.
const visitorTitle = "访客"

// ErrMalformed is a body that is not one JSON object.
var ErrMalformed = errors.New("request body must be a JSON object")

// FieldError is one failed rule: the field it concerns and a description
// that names it. Empty tells a missing value from a wrong one, which spec
// 003's doLeaveMessage answers with different codes.
type FieldError struct {
	Field string
	Desc  string
	Empty bool
}

// Error returns the description.
func (e *FieldError) Error() string { return e.Desc }

func invalid(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Desc: fmt.Sprintf(format, args...)}
}

func missing(field, desc string) *FieldError {
	return &FieldError{Field: field, Desc: desc, Empty: true}
}

// Input is spec 002's request body.
type Input struct {
	UserID   string          `json:"user_id"`
	Contact  string          `json:"contact"`
	Callback string          `json:"callback"`
	Tel      string          `json:"tel"`
	Email    string          `json:"email"`
	Subject  string          `json:"subject"`
	Content  string          `json:"content"`
	UserData json.RawMessage `json:"user_data"`
	// AccType and AccName are ccflow's addition for spec 002's table: a
	// message relayed from a WeChat account says so and names the account.
	AccType string `json:"acc_type"`
	AccName string `json:"acc_name"`
}

// Decode parses a request body. A value of the wrong JSON type is a
// *FieldError for that field; anything that is not one JSON object is
// ErrMalformed. Unknown fields are ignored: spec 002 says the attributes may
// be adjusted, so a client may send more than this server reads.
func Decode(body []byte) (Input, error) {
	var in Input
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return in, ErrMalformed
	}
	err := json.Unmarshal(trimmed, &in)
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return in, nil
	case errors.As(err, &typ) && typ.Field != "":
		field, _, _ := strings.Cut(typ.Field, ".")
		return in, invalid(field, "%s must be a JSON %s", field, typ.Type.Kind())
	default:
		return in, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
}

// phone is spec 002's fixed-line form (0, a 2–3 digit area code, an optional
// hyphen, 7–8 digits: 07522026666, 010-12345678) or a China mainland mobile
// number, optionally with +86.
var phone = regexp.MustCompile(`^(?:0\d{2,3}-?\d{7,8}|(?:\+86)?1[3-9]\d{9})$`)

// PhoneRule describes ValidPhone for error messages.
const PhoneRule = "an area code and number such as 07522026666 or 0752-2026666, or a mobile number such as 13812345678 or +8613812345678"

// CallbackNumberRule describes ValidCallbackNumber for error messages.
const CallbackNumberRule = "a phone number: 3 to 20 digits, optionally starting with + and with single spaces or - between digits, such as 1386667777 or 0752-2026666"

// callbackNumber is spec 003 §15's caller: the spec says only "the number to
// call back" (留言号码), and its own sample is 1386667777, ten digits that are
// neither a Chinese mobile nor a fixed-line number, so any phone-like number
// that fits cc_misc_lvmsg.tel is accepted.
var callbackNumber = regexp.MustCompile(`^\+?[0-9](?:[ -]?[0-9]){2,19}$`)

// ValidCallbackNumber reports whether s is a number spec 003 §15's
// doLeaveMessage accepts as caller (see callbackNumber).
func ValidCallbackNumber(s string) bool { return len(s) <= 45 && callbackNumber.MatchString(s) }

// ValidPhone reports whether s is a phone number spec 002 accepts.
func ValidPhone(s string) bool { return phone.MatchString(s) }

// ValidEmail reports whether s is one plain address (no display name) with a
// dotted domain, short enough for cc_misc_lvmsg.email.
func ValidEmail(s string) bool {
	if len(s) > MaxEmail {
		return false
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return at > 0 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") &&
		!strings.HasSuffix(domain, ".") && !strings.ContainsAny(domain, "[]")
}

// Build validates in against spec 002's rules and returns the row to store.
// accName is the app's name, used for acc_type app. The first failing rule, in
// the order of the spec's field list, is returned as a *FieldError.
func Build(in Input, id, accName string, now time.Time) (models.LeaveMessage, error) {
	contact := strings.TrimSpace(in.Contact)
	callback := strings.TrimSpace(in.Callback)
	tel := strings.TrimSpace(in.Tel)
	email := strings.TrimSpace(in.Email)
	subject := strings.TrimSpace(in.Subject)
	userID := strings.TrimSpace(in.UserID)
	accType := strings.TrimSpace(in.AccType)
	weixinName := strings.TrimSpace(in.AccName)

	if contact == "" {
		return models.LeaveMessage{}, missing(FieldContact, "contact is required (2 to 32 characters)")
	}
	if err := singleLine(FieldContact, contact, MaxContact); err != nil {
		return models.LeaveMessage{}, err
	}
	if n := utf8.RuneCountInString(contact); n < MinContact {
		return models.LeaveMessage{}, invalid(FieldContact, "contact must be 2 to 32 characters, got %d", n)
	}

	switch callback {
	case CallbackEmail, CallbackFax, CallbackSMS, CallbackTel:
	case "":
		return models.LeaveMessage{}, missing(FieldCallback, "callback is required: one of email, fax, sms, tel")
	default:
		return models.LeaveMessage{}, invalid(FieldCallback, "callback must be one of email, fax, sms, tel")
	}

	if tel == "" && callback != CallbackEmail {
		return models.LeaveMessage{}, missing(FieldTel, "tel is required when callback is "+callback)
	}
	if tel != "" && !ValidPhone(tel) {
		return models.LeaveMessage{}, invalid(FieldTel, "tel must be %s", PhoneRule)
	}

	if email == "" && callback == CallbackEmail {
		return models.LeaveMessage{}, missing(FieldEmail, "email is required when callback is email")
	}
	if email != "" && (!ValidEmail(email) || !inBMP(email)) {
		return models.LeaveMessage{}, invalid(FieldEmail, "email must be one well-formed address such as wangwu@163.com, at most 100 characters")
	}

	if subject == "" {
		return models.LeaveMessage{}, missing(FieldSubject, "subject is required (at most 50 characters)")
	}
	if err := singleLine(FieldSubject, subject, MaxSubject); err != nil {
		return models.LeaveMessage{}, err
	}

	if err := text(FieldContent, in.Content, MaxContent); err != nil {
		return models.LeaveMessage{}, err
	}

	userData, err := storedJSON(in.UserData)
	if err != nil {
		return models.LeaveMessage{}, err
	}

	if err := singleLine(FieldUserID, userID, MaxUserID); err != nil {
		return models.LeaveMessage{}, err
	}

	name := Fit(accName, MaxAccName)
	switch accType {
	case "", AccTypeApp:
		// acc_name is the app's own name for app messages (spec 002); a
		// client cannot pose as another app by sending one.
		accType = AccTypeApp
	case AccTypeWeixin:
		if weixinName == "" {
			return models.LeaveMessage{}, missing(FieldAccName, "acc_name (the WeChat account name) is required when acc_type is weixin")
		}
		if err := singleLine(FieldAccName, weixinName, MaxAccName); err != nil {
			return models.LeaveMessage{}, err
		}
		name = weixinName
	default:
		return models.LeaveMessage{}, invalid(FieldAccType, "acc_type must be app or weixin")
	}

	return models.LeaveMessage{
		ID: id, AccType: accType, AccName: name, UserID: optional(userID),
		Contact: contact, Callback: callback, Tel: optional(tel), Email: optional(email),
		Subject: subject, Content: optional(in.Content), CreateTime: CreateTime(now),
		UserData: userData,
	}, nil
}

// CreateTime is now as cc_misc_lvmsg.create_time holds it: a TIMESTAMP, whole
// seconds in UTC.
func CreateTime(now time.Time) time.Time { return now.UTC().Truncate(time.Second) }

// singleLine checks a one-line value: no control characters, storable, at
// most limit characters. Empty passes; callers check required fields first.
func singleLine(field, s string, limit int) error {
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return invalid(field, "%s must be a single line without control characters", field)
	}
	return text(field, s, limit)
}

// text checks a value for length (in characters, as spec 002 counts) and
// for characters cc_misc_lvmsg can hold.
func text(field, s string, limit int) error {
	if n := utf8.RuneCountInString(s); n > limit {
		return invalid(field, "%s must be at most %d characters, got %d", field, limit, n)
	}
	if !inBMP(s) {
		// Spec 002's DDL makes the table CHARSET=utf8, which MySQL stores in
		// at most 3 bytes per character: emoji and other characters beyond
		// U+FFFF cannot be stored, so they are refused up front.
		return invalid(field, "%s must not contain characters beyond U+FFFF such as emoji: the spec's table stores 3-byte UTF-8 only", field)
	}
	if strings.ContainsRune(s, 0) {
		return invalid(field, "%s must not contain NUL characters", field)
	}
	return nil
}

// inBMP reports whether every character of s fits in 3 bytes of UTF-8.
func inBMP(s string) bool {
	for _, r := range s {
		if r > 0xFFFF {
			return false
		}
	}
	return true
}

// storedJSON is user_data as cc_misc_lvmsg.user_data holds it: compact JSON
// text with characters beyond U+FFFF written as \u escapes (the same value,
// storable in the utf8 table), at most MaxUserData bytes. Absent and null are
// stored as NULL.
func storedJSON(raw json.RawMessage) (*string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return nil, invalid(FieldUserData, "user_data must be valid JSON")
	}
	var out strings.Builder
	b := compact.Bytes()
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size == 1:
			out.WriteString(`\ufffd`)
		case r > 0xFFFF:
			hi, lo := utf16.EncodeRune(r)
			out.WriteString(fmt.Sprintf(`\u%04x\u%04x`, hi, lo))
		default:
			out.Write(b[:size])
		}
		b = b[size:]
	}
	s := out.String()
	if len(s) > MaxUserData {
		return nil, invalid(FieldUserData, "user_data must be at most %d bytes as compact JSON, got %d", MaxUserData, len(s))
	}
	return &s, nil
}

// optional is NULL for an empty value: the spec's optional columns are NULL
// when the client gave nothing.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Fit makes server-side text (a tenant or visitor name) storable in a column
// of limit characters: control characters and characters beyond U+FFFF are
// dropped, surrounding space trimmed, and the rest cut to limit characters.
// Unlike client input, such text is not the caller's to fix, so it is
// adjusted rather than refused.
func Fit(s string, limit int) string {
	s = strings.TrimSpace(strings.Map(func(r rune) rune {
		if r > 0xFFFF || r == utf8.RuneError || unicode.IsControl(r) {
			return -1
		}
		return r
	}, s))
	if utf8.RuneCountInString(s) > limit {
		s = strings.TrimSpace(string([]rune(s)[:limit]))
	}
	return s
}

// VisitorContact is the contact of a message a visitor leaves through spec
// 003's doLeaveMessage, which has no contact field: the visitor's name from
// the token, cut to 32 characters. A name shorter than spec 002's minimum of
// two characters is completed with 访客 ("visitor"), so "王" becomes "王访客"
// and no name at all becomes "访客".
func VisitorContact(userName string) string {
	name := Fit(userName, MaxContact)
	switch utf8.RuneCountInString(name) {
	case 0:
		return visitorTitle
	case 1:
		return name + visitorTitle
	}
	return name
}

// Subject is the subject of a message that has none of its own: its first 50
// characters on one line.
func Subject(message string) string {
	oneLine := strings.Join(strings.FieldsFunc(message, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
	if s := Fit(oneLine, MaxSubject); s != "" {
		return s
	}
	return "留言"
}

// CheckMessage applies spec 002's content rules to a visitor's message text.
func CheckMessage(field, message string) error {
	return text(field, message, MaxContent)
}
