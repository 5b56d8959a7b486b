package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/outboundcall"
)

// mobileCallHandlers serve spec 003 §16, mobileagent/createcall: a field
// agent's app asks for an anonymous outbound call through ccflow's SIP
// service. The answer names the service's address and a single-use,
// expiring access code the app dials there (internal/sipcall); 3001000001
// while the SIP service is off (the default) or the tenant has the feature
// off, 3001000002 without a SIP trunk, 3001000003 for bad input.
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

// createCallResponse is spec 003 table 16-3.
type createCallResponse struct {
	ResultCode string             `json:"resultCode"`
	ResultDesc string             `json:"resultDesc"`
	ResultData *outboundcall.Data `json:"resultData,omitempty"`
}

// appOnly requires x-app-key and a valid AccessToken (spec 003 table 16-1).
func (h *mobileCallHandlers) appOnly(c *gin.Context) {
	key, err := authenticateApp(c, h.d, h.d.Tokens, true)
	if err != nil {
		fail(c, err)
		return
	}
	c.Set(mobileAppKey, key.Key)
	c.Set(mobileTenant, key.TenantID)
	c.Next()
}

// Context keys of the authenticated app.
const (
	mobileAppKey = "mobileAppKey"
	mobileTenant = "mobileTenant"
)

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
	if h.d.Outbound == nil {
		c.JSON(http.StatusOK, createCallResponse{ResultCode: outboundcall.CodeOff, ResultDesc: outboundcall.DescOff})
		return
	}
	res, err := h.d.Outbound.Create(c.Request.Context(), outboundcall.Request{
		TenantID: c.GetString(mobileTenant), AppKey: c.GetString(mobileAppKey),
		Called: req.Called, CallData: req.CallData, CallerPresent: req.CallerPresent,
	})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, createCallResponse{ResultCode: res.Code, ResultDesc: res.Desc, ResultData: res.Data})
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
