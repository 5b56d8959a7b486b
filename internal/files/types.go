package files

import (
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// Spec 003 §8's file types. "bpm" in the spec is a misspelling of bmp:
// both are accepted, and a file is kept as bmp.
var fileTypes = map[string]typeInfo{
	"jpg": {class: ClassImage, contentType: "image/jpeg", sniffed: []string{"image/jpeg"}},
	"png": {class: ClassImage, contentType: "image/png", sniffed: []string{"image/png"}},
	"bmp": {class: ClassImage, contentType: "image/bmp", sniffed: []string{"image/bmp"}},
	"mp3": {class: ClassAudio, contentType: "audio/mpeg", sniffed: []string{"audio/mpeg"}},
	"aac": {class: ClassAudio, contentType: "audio/aac", sniffed: []string{"audio/aac"}},
	"mp4": {class: ClassVideo, contentType: "video/mp4", sniffed: []string{"video/mp4"}},
	"txt": {class: ClassText, contentType: "text/plain; charset=utf-8", sniffed: []string{"text/plain"}},
	"csv": {class: ClassText, contentType: "text/csv; charset=utf-8", sniffed: []string{"text/csv", "text/plain"}},
}

type typeInfo struct {
	class       string
	contentType string
	// sniffed lists the detected types (or their ancestors) the content may have.
	sniffed []string
}

// A file type's class: what a message of it shows (and its size limit).
const (
	ClassImage = "IMAGE"
	ClassAudio = "AUDIO"
	ClassVideo = "VIDEO"
	ClassText  = "TEXT"
)

// NormalizeType is the file type a declared one names ("bpm" is bmp, case
// aside), and whether it is one of spec 003's.
func NormalizeType(t string) (string, bool) {
	t = strings.ToLower(strings.TrimSpace(t))
	if t == "bpm" {
		t = "bmp"
	}
	_, ok := fileTypes[t]
	return t, ok
}

// TypeClass is the class of a normalized file type.
func TypeClass(t string) string { return fileTypes[t].class }

// ContentType is what a file of the type is served as.
func ContentType(t string) string { return fileTypes[t].contentType }

// Sniff reports the content's detected MIME type and whether it is a file
// of the declared (normalized) type: an executable named .jpg is not.
func Sniff(t string, data []byte) (string, bool) {
	m := mimetype.Detect(data)
	for cur := m; cur != nil; cur = cur.Parent() {
		for _, want := range fileTypes[t].sniffed {
			if cur.Is(want) {
				return m.String(), true
			}
		}
	}
	return m.String(), false
}

// MediaTypeAccepts reports whether send's mediaType (spec 003 table 7-2)
// may carry a file of the type: IMAGE and FILE_IMAGE an image, AUDIO an
// audio file, VIDEO and FILE_VIDEO a video, FILE any.
func MediaTypeAccepts(mediaType, t string) bool {
	switch mediaType {
	case "IMAGE", "FILE_IMAGE":
		return TypeClass(t) == ClassImage
	case "AUDIO":
		return TypeClass(t) == ClassAudio
	case "VIDEO", "FILE_VIDEO":
		return TypeClass(t) == ClassVideo
	case "FILE":
		return TypeClass(t) != ""
	}
	return false
}

// IsFileMedia reports whether send's mediaType carries a file.
func IsFileMedia(mediaType string) bool {
	switch mediaType {
	case "IMAGE", "AUDIO", "VIDEO", "FILE", "FILE_IMAGE", "FILE_VIDEO":
		return true
	}
	return false
}

// ParseContent splits a media message's content, "objectKey,type" (spec
// 003 table 7-2; its example "objectKey.jpg" is read the same), into the
// key and the normalized type.
func ParseContent(content string) (key, fileType string, ok bool) {
	content = strings.TrimSpace(content)
	sep := strings.LastIndexAny(content, ",.")
	if sep < 0 {
		return "", "", false
	}
	key = content[:sep]
	fileType, ok = NormalizeType(content[sep+1:])
	return key, fileType, ok && ValidKey(key)
}

// Content is the canonical content of a media message: "objectKey,type".
func Content(key, fileType string) string { return key + "," + fileType }
