package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// phraseRequest is spec 003 §10.1.1.
type phraseRequest struct {
	StrContent string `json:"strContent" validate:"required,max=200"`
	Locale     string `json:"locale" validate:"required,max=16"`
	Channel    string `json:"channel" validate:"required,eq=WEB"`
}

// phraseResponse is spec 003 §10.1.2; the table names the list phrases and the
// sample question, so both carry it.
type phraseResponse struct {
	Phrases    []string `json:"phrases"`
	Question   []string `json:"question"`
	ResultCode string   `json:"resultCode"`
	ResultDesc string   `json:"resultDesc,omitempty"`
}

// phraseLocales are the languages the FAQ serves, as ISO 639 codes.
var phraseLocales = map[string]bool{"zh": true, "en": true}

// maxPhrases is how many suggestions one keystroke gets.
const maxPhrases = 5

func (h *customerHandlers) queryPhraseByKeyword(c *gin.Context) {
	var req phraseRequest
	if err := h.bind.json(c, &req); err != nil {
		fail(c, err)
		return
	}
	if !phraseLocales[req.Locale] {
		// Spec 003 §10.1.2's own words for it; HTTP 400 says the request was wrong.
		fail(c, errBadRequest(descLocaleError))
		return
	}
	claims := visitorFrom(c)
	ch, err := h.d.Directory.Channel(c.Request.Context(), claims.ChannelConfigID)
	if err != nil {
		fail(c, err)
		return
	}
	if !ch.RobotEnabled {
		c.JSON(http.StatusOK, phraseResponse{Phrases: []string{}, Question: []string{}, ResultCode: "1", ResultDesc: "Robot is no exist"})
		return
	}
	phrases, err := h.faq.Suggest(c.Request.Context(), claims.TenantID, req.StrContent, maxPhrases)
	if err != nil {
		fail(c, err)
		return
	}
	if phrases == nil {
		phrases = []string{}
	}
	c.JSON(http.StatusOK, phraseResponse{Phrases: phrases, Question: phrases, ResultCode: "0"})
}
