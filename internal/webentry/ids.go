package webentry

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// GuestIDPrefix starts the user id of every guest-entry visitor, so that
// agents, records and webhooks tell guests from the visitors an app names.
const GuestIDPrefix = "guest-"

// NewGuestID is a fresh user id for one guest-entry visit. Guests name
// themselves only by a display name, which two people can share, so each
// visit is its own user rather than one found by name.
func NewGuestID() (string, error) {
	id, err := randomHex(16)
	if err != nil {
		return "", err
	}
	return GuestIDPrefix + id, nil
}

// NewVisitorID is a generated spec 001 visiter_id for a browser that brought
// none: 128 random bits, so nobody can guess another browser's id.
func NewVisitorID() (string, error) { return randomHex(16) }

// IsGeneratedVisitorID recognises what NewVisitorID makes, so that a cookie
// carrying anything else is replaced rather than trusted.
func IsGeneratedVisitorID(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate id: %w", err)
	}
	return hex.EncodeToString(b), nil
}
