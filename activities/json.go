package activities

import (
	"encoding/json"
	"strconv"
)

// jsonStrings is a list as the JSON array spec 003's simQuestions carries in a string.
func jsonStrings(s []string) string {
	b, err := json.Marshal(s)
	if err != nil {
		return ""
	}
	return string(b)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
