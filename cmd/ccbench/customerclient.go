package main

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/ccflow/ccflow/client"
)

// Customer API paths and headers (spec 003). The request bodies are the
// typed ones of package client, generated from openapi/openapi.yaml: a field
// the document renames no longer compiles here.
const (
	tokenByAkSkPath      = "/apigovernance/api/oauth/tokenByAkSk"
	applyTokenPath       = "/apiaccess/ccmessaging/applyToken"
	sendPath             = "/apiaccess/ccmessaging/send"
	pollPath             = "/apiaccess/ccmessaging/poll"
	saveSatisfactionPath = "/apiaccess/ccmessaging/saveSatisfaction"
	sessionTokenHeader   = "ccmessaging-token"
)

// accessTokenTTL is the AccessToken lifetime ccbench asks for: longer than
// most runs, and renewed before it runs out for the longer ones.
const accessTokenTTL = time.Hour

// accessTokens holds the one AccessToken all visitors share, as a real
// integration does: AK/SK belongs to the app, not to each visitor.
type accessTokens struct {
	c         *caller
	appKey    string
	appSecret string

	mu      sync.Mutex
	token   string
	expires time.Time
}

// get returns a token valid for at least another minute, fetching a new one
// when needed; concurrent callers wait for the one fetch.
func (a *accessTokens) get(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token != "" && time.Until(a.expires) > time.Minute {
		return a.token, nil
	}
	var ans struct {
		AccessToken string `json:"AccessToken"`
		Expires     string `json:"Expires"`
	}
	begin := time.Now()
	_, err := a.c.doRetry(ctx, 3, call{
		op: "tokenByAkSk", method: http.MethodPost, path: tokenByAkSkPath,
		headers: map[string]string{"X-Token-Expire": strconv.Itoa(int(accessTokenTTL / time.Second))},
		body:    client.TokenByAkSkJSONRequestBody{AppKey: a.appKey, AppSecret: a.appSecret},
		out:     &ans,
	})
	if err != nil {
		return "", err
	}
	if ans.AccessToken == "" {
		return "", &apiError{Op: "tokenByAkSk", Status: http.StatusOK, Code: "no token", Msg: "answer has no AccessToken"}
	}
	ttl := accessTokenTTL
	if secs, err := strconv.Atoi(ans.Expires); err == nil && secs > 0 {
		ttl = time.Duration(secs) * time.Second
	}
	a.token, a.expires = ans.AccessToken, begin.Add(ttl)
	return a.token, nil
}

// customerSession is one visitor's side of the customer API.
type customerSession struct {
	c *caller
	// reads takes the polls (another replica with -read-url).
	reads    *caller
	tokens   *accessTokens
	appKey   string
	channel  string
	locale   string
	userID   string
	userName string
	// session is the ccmessaging-token; ccflow may renew it in any answer's
	// header, and only the visitor's own goroutine touches it.
	session string
}

// resultAnswer is the customer API's {resultCode, resultDesc}.
type resultAnswer struct {
	ResultCode string `json:"resultCode"`
	ResultDesc string `json:"resultDesc"`
}

// downlink is one message a visitor receives by poll (spec 003 §5.1.1, plus seq).
type downlink struct {
	Content     string `json:"content"`
	SourceType  string `json:"sourceType"`
	MessageCode string `json:"messageCode"`
	ControlType string `json:"controlType"`
	Seq         int64  `json:"seq"`
}

// pollAnswer is spec 003 §5.1.2 plus ccflow's cursor.
type pollAnswer struct {
	ResultCode       string     `json:"resultCode"`
	ResultDesc       string     `json:"resultDesc"`
	DownlinkMessages []downlink `json:"downlinkMessages"`
	Cursor           int64      `json:"cursor"`
}

func (s *customerSession) appHeaders(ctx context.Context) (map[string]string, error) {
	tok, err := s.tokens.get(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]string{"x-app-key": s.appKey, "Authorization": "Bearer " + tok}, nil
}

func (s *customerSession) headers(ctx context.Context) (map[string]string, error) {
	h, err := s.appHeaders(ctx)
	if err != nil {
		return nil, err
	}
	h[sessionTokenHeader] = s.session
	return h, nil
}

// renew takes a fresh ccmessaging-token from an answer's header.
func (s *customerSession) renew(h http.Header) {
	if t := h.Get(sessionTokenHeader); t != "" {
		s.session = t
	}
}

// apply obtains the visitor's ccmessaging-token (spec 003 §3).
func (s *customerSession) apply(ctx context.Context) error {
	h, err := s.appHeaders(ctx)
	if err != nil {
		return err
	}
	var ans struct {
		resultAnswer
		Token string `json:"token"`
	}
	_, err = s.c.doRetry(ctx, 3, call{
		op: "applyToken", method: http.MethodPost, path: applyTokenPath, headers: h,
		body: client.ApplyTokenJSONRequestBody{UserId: s.userID, UserName: s.userName, ChannelId: s.channel, Locale: s.locale},
		out:  &ans,
	})
	if err != nil {
		return err
	}
	if ans.ResultCode != "0" || ans.Token == "" {
		return &apiError{Op: "applyToken", Status: http.StatusOK, Code: ans.ResultCode, Msg: ans.ResultDesc}
	}
	s.session = ans.Token
	return nil
}

// send posts one message or control (spec 003 §7). messageCode makes a
// repeat harmless, so failed attempts are retried; a result code other than
// 0 is returned as an error.
func (s *customerSession) send(ctx context.Context, controlType, content, messageCode string) error {
	h, err := s.headers(ctx)
	if err != nil {
		return err
	}
	op := "send " + controlType
	var ans resultAnswer
	hdr, err := s.c.doRetry(ctx, 3, call{
		op: op, method: http.MethodPost, path: sendPath, headers: h,
		body: client.SendJSONRequestBody{
			Channel: client.SendRequestChannelWEB, ControlType: client.SendRequestControlType(controlType), Content: content,
			MediaType: client.SendRequestMediaTypeTEXT, From: s.userID, To: s.channel, SourceType: client.SendRequestSourceTypeCUSTOMER, SenderNickname: &s.userName,
			Timestamp: ptr(strconv.FormatInt(time.Now().UnixMilli(), 10)), MessageCode: &messageCode,
		},
		out: &ans,
	})
	s.renew(hdr)
	if err != nil {
		return err
	}
	if ans.ResultCode != "0" {
		e := &apiError{Op: op, Status: http.StatusOK, Code: ans.ResultCode, Msg: ans.ResultDesc}
		s.c.errs.add(op, e)
		return e
	}
	return nil
}

// poll long-polls the messages after cursor for up to wait.
func (s *customerSession) poll(ctx context.Context, cursor int64, wait time.Duration) (pollAnswer, error) {
	var ans pollAnswer
	h, err := s.headers(ctx)
	if err != nil {
		return ans, err
	}
	q := url.Values{}
	q.Set("receiverId", s.userID)
	q.Set("channel", "WEB")
	q.Set("cursor", strconv.FormatInt(cursor, 10))
	q.Set("wait", strconv.Itoa(int(wait/time.Second)))
	hdr, err := s.reads.do(ctx, call{
		op: "poll", method: http.MethodGet, path: pollPath + "?" + q.Encode(), headers: h,
		out: &ans, timeout: wait + requestTimeout,
	})
	s.renew(hdr)
	if err != nil {
		return ans, err
	}
	if ans.ResultCode != "0" {
		e := &apiError{Op: "poll", Status: http.StatusOK, Code: ans.ResultCode, Msg: ans.ResultDesc}
		s.c.errs.add("poll", e)
		return ans, e
	}
	return ans, nil
}

// rate saves the satisfaction rating (spec 003 §6).
func (s *customerSession) rate(ctx context.Context, evaluation int, comment string) error {
	h, err := s.headers(ctx)
	if err != nil {
		return err
	}
	var ans struct {
		resultAnswer
		ReturnCode string `json:"returnCode"`
	}
	hdr, err := s.c.do(ctx, call{
		op: "saveSatisfaction", method: http.MethodPost, path: saveSatisfactionPath, headers: h,
		body: map[string]string{
			"channel": "WEB", "userId": s.userID, "evaluation": strconv.Itoa(evaluation),
			"comment": comment, "channelConfigId": s.channel,
		},
		out: &ans,
	})
	s.renew(hdr)
	if err != nil {
		return err
	}
	code := ans.ResultCode
	if code == "" {
		code = ans.ReturnCode
	}
	if code != "0" {
		e := &apiError{Op: "saveSatisfaction", Status: http.StatusOK, Code: code, Msg: ans.ResultDesc}
		s.c.errs.add("saveSatisfaction", e)
		return e
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
