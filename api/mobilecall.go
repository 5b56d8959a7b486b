package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// mobileCallHandlers serve spec 003 §16, mobileagent/createcall: a field
// agent's app asks for an anonymous outbound call through a SIP service.
// ccflow's SIP service is off unless configured, and this build has none:
// every valid request answers 3001000001 ("the feature is not enabled"),
// after the app credentials and the body are checked (3001000003).
type mobileCallHandlers struct {
	d    Deps
	bind *binder
}

// createCallRequest is spec 003 table 16-2.
type createCallRequest struct {
	Called        string `json:"called" validate:"required,max=32,excludesall=\r\n"`
	CallData      string `json:"callData" validate:"max=1024"`
	CallerPresent string `json:"callerPresent" validate:"max=32,excludesall=\r\n"`
}

// createCallResponse is spec 003 table 16-3 without resultData (no call is made).
type createCallResponse struct {
	ResultCode string `json:"resultCode"`
	ResultDesc string `json:"resultDesc"`
}

// descCreateCallOff is the answer while the SIP service is off.
const descCreateCallOff = "the anonymous call feature is not enabled (no SIP service is configured)"

// appOnly requires x-app-key and a valid AccessToken (spec 003 table 16-1).
func (h *mobileCallHandlers) appOnly(c *gin.Context) {
	if _, err := authenticateApp(c, h.d, h.d.Tokens, true); err != nil {
		fail(c, err)
		return
	}
	c.Next()
}

func (h *mobileCallHandlers) create(c *gin.Context) {
	var req createCallRequest
	if err := h.bind.json(c, &req); err != nil {
		fail(c, err)
		return
	}
	if !isPhoneNumber(req.Called) {
		fail(c, errBadRequest("called must be a phone number: digits, an optional leading +"))
		return
	}
	if req.CallerPresent != "" && !isPhoneNumber(req.CallerPresent) {
		fail(c, errBadRequest("callerPresent must be a phone number: digits, an optional leading +"))
		return
	}
	c.JSON(http.StatusOK, createCallResponse{ResultCode: codeCreateCallOff, ResultDesc: descCreateCallOff})
}

// isPhoneNumber accepts 3 to 32 digits with an optional leading +.
func isPhoneNumber(s string) bool {
	if len(s) > 0 && s[0] == '+' {
		s = s[1:]
	}
	if len(s) < 3 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
