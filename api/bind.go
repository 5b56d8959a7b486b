package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/go-playground/validator/v10"
)

// binder decodes and validates JSON bodies with one validator that reports
// JSON field names, so errors name fields in the request's own spelling.
type binder struct {
	v *validator.Validate
}

func newBinder() *binder {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			return f.Name
		}
		return name
	})
	return &binder{v: v}
}

// json decodes the body into dst and validates it.
func (b *binder) json(c *gin.Context, dst any) error { return b.decode(c, dst, false) }

// jsonStrict is json refusing fields dst does not have, so that a misspelt
// optional field is an error rather than a setting silently left as it was.
func (b *binder) jsonStrict(c *gin.Context, dst any) error { return b.decode(c, dst, true) }

func (b *binder) decode(c *gin.Context, dst any, strict bool) error {
	dec := json.NewDecoder(c.Request.Body)
	if strict {
		dec.DisallowUnknownFields()
	}
	err := dec.Decode(dst)
	if err == nil {
		err = b.v.Struct(dst)
	}
	if err == nil {
		return nil
	}
	var tooBig *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var verrs validator.ValidationErrors
	switch {
	case errors.As(err, &tooBig):
		return &apiError{http.StatusRequestEntityTooLarge, "413", fmt.Sprintf("request body is larger than %d bytes", tooBig.Limit)}
	case errors.Is(err, io.EOF):
		return errBadRequest("request body is empty; a JSON object is required")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return errBadRequest("request body is not valid JSON")
	case errors.As(err, &typ) && typ.Field == "":
		return errBadRequest("request body must be a JSON object")
	case errors.As(err, &typ):
		return errBadRequest(fmt.Sprintf("field %s must be a %s", typ.Field, typ.Type.Kind()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no error type for this one.
		return errBadRequest(strings.TrimPrefix(err.Error(), "json: "))
	case errors.As(err, &verrs):
		msgs := make([]string, 0, len(verrs))
		for _, fe := range verrs {
			msgs = append(msgs, describe(fe))
		}
		return errBadRequest(strings.Join(msgs, "; "))
	}
	return errBadRequest("invalid request body: " + err.Error())
}

func describe(fe validator.FieldError) string {
	name := fe.Field()
	switch fe.Tag() {
	case "required":
		return name + " is required"
	case "max":
		return fmt.Sprintf("%s must be at most %s characters", name, fe.Param())
	case "min":
		return fmt.Sprintf("%s must be at least %s characters", name, fe.Param())
	case "oneof":
		return fmt.Sprintf("%s must be one of %s", name, strings.ReplaceAll(fe.Param(), " ", ", "))
	case "eq":
		return fmt.Sprintf("%s must be %s", name, fe.Param())
	}
	return fmt.Sprintf("%s is invalid (%s)", name, fe.Tag())
}
