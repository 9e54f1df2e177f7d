package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/wasmta/wasmta/mta/intake"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
)

// Response is the answer to a processed request (200, 422 or 503): what
// happened to each recipient, in request order, and the messages spooled.
type Response struct {
	Accepted   int           `json:"accepted"`
	Rejected   int           `json:"rejected"`
	Messages   []MessageInfo `json:"messages"`
	Recipients []RcptResult  `json:"recipients"`
}

// MessageInfo is one spooled message.
type MessageInfo struct {
	ID         string `json:"id"`
	Recipients int    `json:"recipients"`
	Size       int64  `json:"size"`
}

// Recipient statuses.
const (
	StatusAccepted = "accepted"
	StatusRejected = "rejected"
)

// RcptResult says whether a recipient was accepted (and in which message)
// or why not, as an SMTP reply; Temporary means the same request may
// succeed later.
type RcptResult struct {
	Address      string `json:"address"`
	Status       string `json:"status"`
	ID           string `json:"id,omitempty"`
	Code         int    `json:"code,omitempty"`
	EnhancedCode string `json:"enhanced_code,omitempty"`
	Reason       string `json:"reason,omitempty"`
	Temporary    bool   `json:"temporary,omitempty"`
}

// ErrorResponse is the answer to a request that was not processed.
type ErrorResponse struct {
	Error  string       `json:"error"`
	Fields []FieldError `json:"fields,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v) // a write error means the client left
}

func writeError(w http.ResponseWriter, status int, msg string, fields []FieldError) {
	writeJSON(w, status, ErrorResponse{Error: msg, Fields: fields})
}

// reply is an SMTP-style refusal of recipients.
type reply struct {
	code      int
	enhanced  string
	text      string
	temporary bool
}

// The refusals the API makes itself, in SMTP terms like reception's.
var (
	replySpoolFull = reply{452, "4.3.1", "Insufficient system storage, try again later", true}
	replySpool     = reply{451, "4.3.0", "Temporary local problem, try again later", true}
	replySign      = reply{451, "4.3.0", "Temporary signing problem, try again later", true}
	replyLoop      = reply{554, "5.4.6", "Too many hops (Received: fields): mail loop", false}
	replyMemory    = reply{452, "4.3.1", "Insufficient system storage (message data in flight), try again later", true}
)

// policyReply turns a policy's refusal into a reply as SMTP reception
// sends it (intake.Refusal).
func policyReply(r *policy.Reply) reply {
	v := intake.Refusal(r)
	return reply{code: v.Code, enhanced: v.Enhanced, text: v.Text, temporary: v.Code < 500}
}

func (r reply) response() *message.Response {
	return &message.Response{Code: r.code, Enhanced: r.enhanced, Text: r.text}
}

func (r reply) result(addr string) RcptResult {
	return RcptResult{Address: addr, Status: StatusRejected, Code: r.code, EnhancedCode: r.enhanced,
		Reason: r.text, Temporary: r.temporary}
}

// status is the HTTP status of a processed request: 200 when a recipient
// was accepted, else 503 when a refusal was temporary, else 422.
func (resp *Response) status() int {
	if resp.Accepted > 0 {
		return http.StatusOK
	}
	for _, r := range resp.Recipients {
		if r.Temporary {
			return http.StatusServiceUnavailable
		}
	}
	return http.StatusUnprocessableEntity
}
