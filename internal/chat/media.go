package chat

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ccflow/ccflow/internal/files"
)

// ErrBadMedia is a media message whose content the API should have refused:
// the API maps it to 400 with the reason.
var ErrBadMedia = errors.New("bad media content")

// MediaError is ErrBadMedia with the reason.
type MediaError struct{ Reason string }

func (e *MediaError) Error() string { return e.Reason }

// Unwrap makes a MediaError an ErrBadMedia.
func (e *MediaError) Unwrap() error { return ErrBadMedia }

// CheckMedia checks a message's content for its mediaType (spec 003 table
// 7-2): a file's "objectKey,type" of a type the mediaType carries, or a
// location's "latitude/longitude/description". TEXT passes.
func CheckMedia(mediaType, content string) error {
	switch {
	case mediaType == "" || mediaType == "TEXT":
		return nil
	case mediaType == "LOCATE":
		return checkLocation(content)
	case files.IsFileMedia(mediaType):
		_, t, ok := files.ParseContent(content)
		if !ok {
			return &MediaError{fmt.Sprintf("content of a %s message must be \"objectKey,type\": the objectKey uploadFileStream answered and its fileType", mediaType)}
		}
		if !files.MediaTypeAccepts(mediaType, t) {
			return &MediaError{fmt.Sprintf("a %s message cannot carry a %s file", mediaType, t)}
		}
		return nil
	}
	return &MediaError{"unknown mediaType " + mediaType}
}

// checkLocation reads spec 003 table 5-1's LOCATE form, 纬度/经度/描述.
func checkLocation(content string) error {
	parts := strings.SplitN(content, "/", 3)
	bad := &MediaError{"content of a LOCATE message must be latitude/longitude/description, e.g. 31.2304/121.4737/People's Square"}
	if len(parts) < 2 {
		return bad
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(parts[0]), 64)
	lng, err2 := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lng < -180 || lng > 180 {
		return bad
	}
	return nil
}

// attach checks and ties a file message's file to the conversation before
// the message is written, and rewrites its content to the canonical
// "objectKey,type". Other messages pass unchanged.
func (s *Service) attach(ctx context.Context, p files.Party, convID, mediaType, content string) (string, string, error) {
	if !files.IsFileMedia(mediaType) {
		return content, "", nil
	}
	if err := CheckMedia(mediaType, content); err != nil {
		return "", "", err
	}
	if s.Files == nil {
		return "", "", &MediaError{"this server stores no files"}
	}
	key, t, _ := files.ParseContent(content)
	if _, err := s.Files.Attach(ctx, p, key, t, convID); err != nil {
		switch {
		case errors.Is(err, files.ErrNoFile):
			return "", "", &MediaError{"content names no file you uploaded (uploadFileStream), or it was removed"}
		case errors.Is(err, files.ErrTypeDiffers):
			return "", "", &MediaError{"the file " + key + " is not a " + t + " file"}
		}
		return "", "", err
	}
	return files.Content(key, t), key, nil
}

// referenced notes the message that carries a file; a failure only loses
// the note (the file stays with its conversation).
func (s *Service) referenced(ctx context.Context, key string, seq int64) {
	if key == "" || s.Files == nil {
		return
	}
	if err := s.Files.Referenced(ctx, key, seq); err != nil {
		s.Logger.Warn("file's message not noted", "key", key, "error", err)
	}
}
