package webentry

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"time"
)

// Spec 001's visitor entry names its visitor with visiter_id, which anyone can
// type. ccflow keeps two kinds of visitors apart:
//
//   - A signed id (visiter_id with timestamp and signature, an HMAC an
//     integrator's backend computes with the tenant's secret) is vouched for:
//     its user id is visiter_id itself, the same user applyToken names with it,
//     and it sees that user's earlier conversations and records.
//   - An unsigned id is a claim: its user id is AnonIDPrefix and a digest of
//     the claim and the browser's own random cookie, so each browser is its
//     own visitor, reaches only what that browser started, and can never name
//     a signed, applyToken or guest user.
const (
	// AnonIDPrefix starts the user id of every unsigned visitor of the entry.
	AnonIDPrefix = "anon-"
	// SignatureMaxAge is how long after its timestamp a signed entry link
	// opens the chat: long enough for a page to hand the link to the browser,
	// short enough that a link leaked through a history or a log soon opens
	// nothing.
	SignatureMaxAge = 10 * time.Minute
	// signatureSkew tolerates an integrator's clock ahead of ccflow's.
	signatureSkew = time.Minute
)

var (
	// ErrBadSignature means the signature is not the HMAC of the id and timestamp.
	ErrBadSignature = errors.New("signature does not match business_id, visiter_id and timestamp")
	// ErrStaleSignature means the timestamp is older than SignatureMaxAge or in the future.
	ErrStaleSignature = errors.New("timestamp is more than 10 minutes old or in the future: sign the link again")
)

// SignVisitor is the signature of a visitor entry link: the lower-case hex
// HMAC-SHA256, keyed with secret, of business_id, visiter_id and the unix
// timestamp (seconds), each followed by a newline but the last.
func SignVisitor(secret string, businessID int64, visitorID string, timestamp int64) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(businessID, 10) + "\n" + visitorID + "\n" + strconv.FormatInt(timestamp, 10)))
	return hex.EncodeToString(mac.Sum(nil))
}

// VerifyVisitor checks a signed entry at now: the signature first (in constant
// time), then the timestamp's age, so that a caller without the secret learns
// nothing about the clock.
func VerifyVisitor(secret string, businessID int64, visitorID string, timestamp int64, signature string, now time.Time) error {
	want := SignVisitor(secret, businessID, visitorID, timestamp)
	if secret == "" || !hmac.Equal([]byte(want), []byte(signature)) {
		return ErrBadSignature
	}
	at := time.Unix(timestamp, 0)
	if now.Sub(at) > SignatureMaxAge || at.Sub(now) > signatureSkew {
		return ErrStaleSignature
	}
	return nil
}

// UnsignedVisitorID is the user id of an unsigned visitor: claimed (possibly
// empty) as seen from the browser whose random cookie is browser. The digest
// is one-way, so neither the cookie nor another browser's user id can be
// worked out from an id an agent, a webhook or a record shows.
func UnsignedVisitorID(browser, claimed string) string {
	sum := sha256.Sum256([]byte("ccflow unsigned visitor\x00" + browser + "\x00" + claimed))
	return AnonIDPrefix + hex.EncodeToString(sum[:16])
}
