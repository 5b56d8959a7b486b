// Package filestest has small files of each of spec 003's file types,
// real enough for content sniffing, for the tests of every layer.
package filestest

import (
	"bytes"
	"encoding/base64"
)

// Samples maps each file type to a small file of that type.
var Samples = map[string][]byte{
	"jpg": append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01}, pad(200)...),
	"png": mustB64("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="),
	"bmp": append([]byte("BM"), pad(200)...),
	"mp3": append([]byte("ID3\x03\x00\x00\x00\x00\x00\x0a"), pad(200)...),
	"aac": append([]byte{0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC}, pad(200)...),
	"mp4": append([]byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"), pad(200)...),
	"txt": []byte("你好, ccflow\nsecond line\n"),
	"csv": []byte("order,amount\n1001,19.90\n1002,5.00\n"),
}

// EXE is the start of a Windows executable, to be refused under any file type.
var EXE = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8"), pad(200)...)

// Sized is a file of the type padded to n bytes (at least the sample's size).
func Sized(fileType string, n int) []byte {
	s := Samples[fileType]
	if n <= len(s) {
		return s
	}
	if fileType == "txt" || fileType == "csv" {
		return append(bytes.Clone(s), bytes.Repeat([]byte("x"), n-len(s))...)
	}
	out := make([]byte, n)
	copy(out, s)
	for i := len(s); i < n; i++ {
		out[i] = byte(i * 7)
	}
	return out
}

func pad(n int) []byte { return bytes.Repeat([]byte{0x11}, n) }

func mustB64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
