package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ccflow/ccflow/internal/files"
)

// Spec 003 §8 and §9: a visitor's file upload and download. The paths are
// also in resultcodes.go, whose tables give their failure codes.
const (
	uploadFilePath   = "/apiaccess/ccmessaging/uploadFileStream"
	downloadFilePath = "/apiaccess/ccmessaging/downloadFileStream"
)

// Result codes of tables 8-2 and 9-2.
const (
	codeFileParamNull   = "2"
	codeFileInvalid     = "3"
	codeFileFailed      = "13"
	codeObjectKeyNull   = "401"
	descParamNull       = "Param is null"
	descValidateFailed  = "Requested param validate failed"
	descDecodeFailed    = "decode file failed"
	descUploadException = "upload file exception"
	descObjectKeyNull   = "objectKey is null!"
	descFileTypeRange   = "param filetype Out of range!"
	descDownloadNull    = "param channelId or userId or tenantId is null"
	descDownloadIO      = "downloadFileStream IOException"
	// descNoFile answers a key that names no file of the caller's, whether
	// it exists or not: nobody learns about another's files.
	descNoFile = "no such file for this user"
)

// uploadBodyLimit is the upload route's body limit: the base64 of the
// largest file (4/3 of it, plus line breaks every 76 characters as MIME
// base64 has them) and room for the JSON around it.
func uploadBodyLimit(f *files.Service) int64 {
	if f == nil {
		return maxBodyBytes
	}
	n := f.Limits.Max()
	return n/3*4 + 4 + n/38 + 64<<10
}

type fileHandlers struct {
	files *files.Service
}

// uploadRequest is spec 003 table 8-1.
type uploadRequest struct {
	FileType   string `json:"fileType"`
	FileStream string `json:"fileStream"`
	Channel    string `json:"channel"`
}

// uploadResponse is table 8-2, with the sample's returnCode.
type uploadResponse struct {
	ResultCode string `json:"resultCode"`
	ReturnCode string `json:"returnCode"`
	ResultDesc string `json:"resultDesc"`
	ObjectKey  string `json:"objectKey"`
}

// upload stores a visitor's file and answers its objectKey for send.
func (h *fileHandlers) upload(c *gin.Context) {
	var req uploadRequest
	if err := json.NewDecoder(c.Request.Body).Decode(&req); err != nil {
		fail(c, fileBodyError(err))
		return
	}
	switch {
	case req.FileType == "":
		fail(c, &apiError{http.StatusBadRequest, codeFileParamNull, descParamNull + ": fileType is required"})
		return
	case req.FileStream == "":
		fail(c, &apiError{http.StatusBadRequest, codeFileParamNull, descParamNull + ": fileStream is required"})
		return
	case req.Channel == "":
		fail(c, &apiError{http.StatusBadRequest, codeFileParamNull, descParamNull + ": channel is required"})
		return
	case req.Channel != "WEB":
		fail(c, &apiError{http.StatusBadRequest, codeFileInvalid, descValidateFailed + ": channel must be WEB"})
		return
	}
	if _, ok := files.NormalizeType(req.FileType); !ok {
		fail(c, &apiError{http.StatusBadRequest, codeFileInvalid, descValidateFailed + ": " + files.ErrBadType.Error()})
		return
	}
	data, err := decodeBase64(req.FileStream)
	if err != nil {
		fail(c, &apiError{http.StatusBadRequest, codeFileFailed, descDecodeFailed + ": fileStream is not base64"})
		return
	}
	if h.files == nil {
		fail(c, unavailable(errors.New("no file store")))
		return
	}
	claims := visitorFrom(c)
	p := files.Party{Type: files.PartyCustomer, TenantID: claims.TenantID, ChannelConfigID: claims.ChannelConfigID, UserID: claims.UserID}
	f, err := h.files.Upload(c.Request.Context(), p, req.FileType, data)
	if err != nil {
		fail(c, uploadError(err))
		return
	}
	c.JSON(http.StatusOK, uploadResponse{ResultCode: "0", ReturnCode: "0", ObjectKey: f.ObjectKey})
}

// decodeBase64 reads standard base64, padded or not; line breaks (as in
// the spec's sample) are ignored.
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=\r\n ")
	return base64.RawStdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "", " ", "").Replace(s))
}

func fileBodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &apiError{http.StatusRequestEntityTooLarge, codeFileInvalid,
			fmt.Sprintf("%s: request body is larger than %d bytes", descValidateFailed, tooBig.Limit)}
	}
	if errors.Is(err, io.EOF) {
		return &apiError{http.StatusBadRequest, codeFileParamNull, descParamNull + ": request body is empty"}
	}
	return &apiError{http.StatusBadRequest, codeFileInvalid, descValidateFailed + ": request body is not a JSON object of strings"}
}

// uploadError maps the file service's refusals to table 8-2's codes.
func uploadError(err error) error {
	var limit *files.LimitError
	switch {
	case errors.As(err, &limit):
		return &apiError{http.StatusRequestEntityTooLarge, codeFileInvalid, descValidateFailed + ": " + limit.Error()}
	case errors.Is(err, files.ErrEmpty):
		return &apiError{http.StatusBadRequest, codeFileParamNull, descParamNull + ": " + err.Error()}
	case errors.Is(err, files.ErrBadType), errors.Is(err, files.ErrMismatch):
		return &apiError{http.StatusBadRequest, codeFileInvalid, descValidateFailed + ": " + err.Error()}
	case errors.Is(err, files.ErrInfected):
		return &apiError{http.StatusBadRequest, codeFileFailed, descUploadException + ": " + err.Error()}
	case errors.Is(err, files.ErrScanUnavailable), errors.Is(err, files.ErrStore):
		return unavailable(err)
	}
	return err
}

// downloadRequest is spec 003 table 9-1.
type downloadRequest struct {
	FileID   string `json:"fileId"`
	Channel  string `json:"channel"`
	FileType string `json:"fileType"`
}

// download answers a file of the visitor's conversation, base64 in
// fileStream (table 9-2).
func (h *fileHandlers) download(c *gin.Context) {
	var req downloadRequest
	if err := json.NewDecoder(c.Request.Body).Decode(&req); err != nil {
		fail(c, downloadBodyError(err))
		return
	}
	key, fileType, err := downloadParams(req)
	if err != nil {
		fail(c, err)
		return
	}
	if h.files == nil {
		fail(c, unavailable(errors.New("no file store")))
		return
	}
	claims := visitorFrom(c)
	p := files.Party{Type: files.PartyCustomer, TenantID: claims.TenantID, ChannelConfigID: claims.ChannelConfigID, UserID: claims.UserID}
	_, data, err := h.files.Open(c.Request.Context(), p, key, fileType)
	if err != nil {
		fail(c, downloadError(err))
		return
	}
	writeFileStream(c, data)
}

// downloadParams checks table 9-1's fields: fileId as poll carries it
// ("objectKey,type") or the bare objectKey, and fileType.
func downloadParams(req downloadRequest) (key, fileType string, err error) {
	switch {
	case strings.TrimSpace(req.FileID) == "":
		return "", "", &apiError{http.StatusBadRequest, codeObjectKeyNull, descObjectKeyNull}
	case req.Channel == "":
		return "", "", &apiError{http.StatusBadRequest, codeFileParamNull, descDownloadNull + ": channel is required"}
	case req.Channel != "WEB":
		return "", "", &apiError{http.StatusBadRequest, codeFileFailed, "channel must be WEB"}
	}
	fileType, ok := files.NormalizeType(req.FileType)
	if !ok {
		return "", "", &apiError{http.StatusBadRequest, codeFileFailed, descFileTypeRange + " fileType must be one of jpg, png, bmp (or bpm), mp3, aac, mp4, txt, csv"}
	}
	key = strings.TrimSpace(req.FileID)
	if k, _, ok := files.ParseContent(key); ok {
		key = k
	}
	return key, fileType, nil
}

func downloadBodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &apiError{http.StatusRequestEntityTooLarge, codeFileFailed, fmt.Sprintf("request body is larger than %d bytes", tooBig.Limit)}
	}
	if errors.Is(err, io.EOF) {
		return &apiError{http.StatusBadRequest, codeObjectKeyNull, descObjectKeyNull}
	}
	return &apiError{http.StatusBadRequest, codeFileFailed, "request body is not a JSON object of strings"}
}

// downloadError maps the file service's refusals to table 9-2's codes.
func downloadError(err error) error {
	switch {
	case errors.Is(err, files.ErrNoFile):
		return &apiError{http.StatusForbidden, codeFileFailed, descNoFile}
	case errors.Is(err, files.ErrTypeDiffers):
		return &apiError{http.StatusBadRequest, codeFileFailed, descFileTypeRange + " the file is not of this fileType"}
	case errors.Is(err, files.ErrStore):
		return unavailable(fmt.Errorf("%s: %w", descDownloadIO, err))
	}
	return err
}

// writeFileStream answers {"resultCode":"0",…,"fileStream":"<base64>"},
// encoding the file straight into the response rather than through a
// second copy in memory.
func writeFileStream(c *gin.Context, data []byte) {
	c.Header("Content-Type", "application/json; charset=utf-8")
	c.Header("Content-Length", fmt.Sprint(len(fileStreamHead)+base64.StdEncoding.EncodedLen(len(data))+len(fileStreamTail)))
	c.Status(http.StatusOK)
	w := c.Writer
	if _, err := io.WriteString(w, fileStreamHead); err != nil {
		_ = c.Error(err)
		return
	}
	enc := base64.NewEncoder(base64.StdEncoding, w)
	_, err := enc.Write(data)
	err = errors.Join(err, enc.Close())
	if err == nil {
		_, err = io.WriteString(w, fileStreamTail)
	}
	if err != nil {
		// The client left mid-answer; the log says so.
		_ = c.Error(err)
	}
}

const (
	fileStreamHead = `{"resultCode":"0","resultDesc":"","fileStream":"`
	fileStreamTail = `"}`
)
