package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Request is the JSON body of POST /v1/messages.
type Request struct {
	Sender        string            `json:"sender"`
	Recipients    []Recipient       `json:"recipients"`
	Campaign      string            `json:"campaign,omitempty"`
	Metadata      map[string]string `json:"metadata,omitempty"`
	Substitutions map[string]any    `json:"substitutions,omitempty"`
	// RequireTLS is SMTP's REQUIRETLS (RFC 8689): deliver only over
	// verified TLS to a server that offers REQUIRETLS, else return the
	// message. Accepted over HTTPS only.
	RequireTLS bool `json:"require_tls,omitempty"`
	// Exactly one of Raw and Content.
	Raw     *string  `json:"raw,omitempty"`
	Content *Content `json:"content,omitempty"`
}

// Recipient is one envelope recipient.
type Recipient struct {
	Address       string            `json:"address"`
	Name          string            `json:"name,omitempty"`
	Substitutions map[string]any    `json:"substitutions,omitempty"`
	Metadata      map[string]string `json:"metadata,omitempty"`
}

// Content is a message wasmta builds: templates for the subject and the
// bodies, and parts.
type Content struct {
	From         *Mailbox          `json:"from"`
	ReplyTo      MailboxList       `json:"reply_to,omitempty"`
	Subject      string            `json:"subject"`
	Headers      map[string]string `json:"headers,omitempty"`
	Text         string            `json:"text,omitempty"`
	HTML         string            `json:"html,omitempty"`
	Attachments  []File            `json:"attachments,omitempty"`
	InlineImages []File            `json:"inline_images,omitempty"`
}

// File is an attachment or an inline image; Data is base64 in JSON.
type File struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type,omitempty"`
	ContentID   string `json:"content_id,omitempty"`
	Data        string `json:"data"` // base64
}

// Mailbox is an address with an optional display name. In JSON it is
// either a string ("Jane <jane@example.com>" or "jane@example.com") or an
// object {"address": ..., "name": ...}.
type Mailbox struct {
	Address string `json:"address"`
	Name    string `json:"name,omitempty"`
	text    string // the string form, parsed by validation (which names the field)
}

// UnmarshalJSON accepts both forms.
func (m *Mailbox) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		*m = Mailbox{}
		return json.Unmarshal(b, &m.text)
	}
	type plain Mailbox
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode((*plain)(m))
}

// MailboxList is one Mailbox or an array of them.
type MailboxList []Mailbox

// UnmarshalJSON accepts a single mailbox or an array.
func (l *MailboxList) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '[' {
		var list []Mailbox
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		*l = list
		return nil
	}
	var m Mailbox
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*l = MailboxList{m}
	return nil
}

// decodeRequest reads one JSON object; unknown fields and trailing data are
// errors, so that a typo in a field name never goes unnoticed.
func decodeRequest(body []byte) (*Request, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var req Request
	if err := dec.Decode(&req); err != nil {
		return nil, jsonProblem(body, err)
	}
	if dec.More() {
		return nil, bodyProblem("body holds more than one JSON value")
	}
	var rest json.RawMessage
	if err := dec.Decode(&rest); err == nil {
		return nil, bodyProblem("body holds more than one JSON value")
	}
	return &req, nil
}

// decodeProblem is a decoding error in the shape of a validation error:
// the field it concerns (a JSON path; "" for the body as a whole) and the
// problem, so that a client reads every 400 the same way.
type decodeProblem FieldError

func (d *decodeProblem) Error() string {
	if d.Field == "" {
		return d.Problem
	}
	return d.Field + ": " + d.Problem
}

// fields is the problem as the "fields" of an error answer.
func (d *decodeProblem) fields() []FieldError {
	if d == nil {
		return nil
	}
	return []FieldError{FieldError(*d)}
}

func bodyProblem(format string, args ...any) error {
	return &decodeProblem{Problem: fmt.Sprintf(format, args...)}
}

// jsonProblem turns a decoding error into a decodeProblem naming the field
// or the position.
func jsonProblem(body []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		return bodyProblem("body is empty: want a JSON object")
	case errors.As(err, &se):
		return bodyProblem("body is not valid JSON: %v (at byte %d)", se, se.Offset)
	case errors.As(err, &te) && te.Field != "":
		return &decodeProblem{Field: te.Field, Problem: fmt.Sprintf("got a JSON %s, want %s", te.Value, jsonType(te.Type.String()))}
	case errors.As(err, &te):
		return bodyProblem("body: got a JSON %s, want an object", te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &decodeProblem{Field: name, Problem: "unknown field"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return bodyProblem("body is not valid JSON: it ends too early")
	}
	return bodyProblem("body: %v", err)
}

func jsonType(goType string) string {
	switch {
	case goType == "string":
		return "a string"
	case goType == "[]uint8":
		return "a base64 string"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map["), strings.HasPrefix(goType, "httpapi."), strings.HasPrefix(goType, "*httpapi."):
		return "an object"
	}
	return goType
}
