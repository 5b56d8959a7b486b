package webentry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// MaxProductCardBytes bounds spec 001's product parameter: spec 001's example
// is about 250 bytes, and the card travels with the conversation to the agent.
const MaxProductCardBytes = 2000

var (
	// ErrProductTooLarge means the product is over MaxProductCardBytes.
	ErrProductTooLarge = fmt.Errorf("product must be at most %d bytes", MaxProductCardBytes)
	// ErrProductNotObject means the product is not one JSON object.
	ErrProductNotObject = errors.New(`product must be a JSON object, such as {"pid":1,"title":"…","price":"¥7588.00"}`)
)

// ProductCard checks spec 001's product parameter, a JSON object such as
// {"pid":1,"title":"…","img":"…","info":"…","price":"…","url":"…"}, and returns
// it compacted. Its fields are the merchant's own, so only the shape is checked.
func ProductCard(raw string) (string, error) {
	if len(raw) > MaxProductCardBytes {
		return "", ErrProductTooLarge
	}
	if !utf8.ValidString(raw) {
		return "", ErrProductNotObject
	}
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	if err := dec.Decode(&obj); err != nil || obj == nil || dec.More() {
		return "", ErrProductNotObject
	}
	var out bytes.Buffer
	if err := json.Compact(&out, []byte(raw)); err != nil {
		return "", ErrProductNotObject
	}
	return out.String(), nil
}
