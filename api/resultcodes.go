package api

import (
	"net/http"
	"strconv"
)

// Spec 003's result codes of failures, in one place. Each operation's table in
// spec 003 defines what its resultCode means; where a table names a failure
// code, a failure of that operation answers it, and the HTTP status says what
// kind of failure it was (400 bad input, 401 authentication, 403 another
// user's or channel's data, 429 too many, 503 a dependency down). Where a
// table only says "non-0 is a failure" (poll, tokenByAkSk, the web session),
// the resultCode is the HTTP status, as a number in a string.
//
// README.md's "Result codes" table documents this mapping; keep them together.

// failureCodes is one operation's mapping from a failure to its resultCode.
type failureCodes struct {
	// failed answers every failure byStatus does not name.
	failed string
	// byStatus names the codes the spec's table gives particular failures.
	byStatus map[int]string
}

// Result codes spec 003's tables define for failures.
const (
	// codeFailed is applyToken's, queryPhraseByKeyword's and queryQueueInfo's "1".
	codeFailed = "1"
	// codeSendFailed is send's and saveSatisfaction's "13" (send's 12, outside
	// working hours, is a business answer with HTTP 200, not a failure here).
	codeSendFailed = "13"
	// Robot feedback's (spec 003 §17) codes.
	codeFeedbackAuth    = "10010000001"
	codeFeedbackLimited = "10010000002"
	codeFeedbackFailed  = "30010009999"
	// mobileagent/createcall's (spec 003 §16) codes.
	codeCreateCallOff      = "3001000001"
	codeCreateCallBadInput = "3001000003"
	codeCreateCallFailed   = "30010009999"
	// descLocaleError is queryPhraseByKeyword's resultDesc for an unknown locale.
	descLocaleError = "locale is error"
)

// resultCodes maps each spec 003 route (as gin names it) to its failure codes.
var resultCodes = map[string]failureCodes{
	applyTokenPath:                                {failed: codeFailed},
	"/apiaccess/ccmessaging/send":                 {failed: codeSendFailed},
	"/apiaccess/ccmessaging/saveSatisfaction":     {failed: codeSendFailed},
	"/apiaccess/ccmessaging/queryQueueInfo":       {failed: codeFailed},
	"/apiaccess/ccmessaging/queryPhraseByKeyword": {failed: codeFailed},
	// doLeaveMessage: "2" a parameter is empty (set where that is found),
	// "3" a parameter is wrong, "13" anything else.
	"/apiaccess/ccmessaging/doLeaveMessage": {failed: codeDoLeaveFail, byStatus: map[int]string{
		http.StatusBadRequest: codeDoLeaveWrong, http.StatusRequestEntityTooLarge: codeDoLeaveWrong,
	}},
	// uploadFileStream (table 8-2): "3" a parameter is wrong, "13" the
	// file cannot be taken; "2" (a parameter is missing) is set where found.
	uploadFilePath: {failed: codeFileFailed, byStatus: map[int]string{
		http.StatusBadRequest: codeFileInvalid, http.StatusRequestEntityTooLarge: codeFileInvalid,
	}},
	// downloadFileStream (table 9-2): "13" for every failure it does not
	// name; "401" (no objectKey) and "2" are set where found.
	downloadFilePath: {failed: codeFileFailed},
	// Click-to-call (§11, §14: "13" a failed request; §12 and §13 name no
	// failure code, so they answer the HTTP status).
	"/apiaccess/ccmessaging/v1/createClickToCall": {failed: codeSendFailed},
	"/apiaccess/ccmessaging/v1/dropClickToCall":   {failed: codeSendFailed},
	// mobileagent/createcall (§16): 3001000003 bad input, 30010009999 the rest.
	"/apiaccess/ccmessaging/v1/mobileagent/createcall": {failed: codeCreateCallFailed, byStatus: map[int]string{
		http.StatusBadRequest: codeCreateCallBadInput, http.StatusRequestEntityTooLarge: codeCreateCallBadInput,
	}},
	"/apiaccess/ccmessaging/v1/robot/feedbacksatisfaction": {failed: codeFeedbackFailed, byStatus: map[int]string{
		http.StatusUnauthorized: codeFeedbackAuth, http.StatusTooManyRequests: codeFeedbackLimited,
	}},
}

// resultCode is the resultCode a spec 003 route answers ae with. A code a
// handler chose for a finer distinction the spec makes (doLeaveMessage's
// "2", spec 002's 4001…) is kept; a generic one (the HTTP status) becomes the
// route's code from resultCodes.
func resultCode(route string, ae *apiError) string {
	codes, ok := resultCodes[route]
	if !ok || ae.code != strconv.Itoa(ae.status) || ae.status < http.StatusBadRequest {
		return ae.code
	}
	if code, ok := codes.byStatus[ae.status]; ok {
		return code
	}
	return codes.failed
}
