package admin

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/wasmta/wasmta/mta/engine"
	"github.com/wasmta/wasmta/mta/message"
)

// registerQueueCommands adds the endpoints of queue list, flush and
// delete:
//
//	GET    /v1/queue/items?tenant=&campaign=&domain=&after=ID&limit=N  QueueItems
//	POST   /v1/flush            message.Selector -> Affected
//	DELETE /v1/messages/{id}    ?recipient=ADDR&reason=TEXT -> Affected
func registerQueueCommands(s *Server) {
	s.Handle("GET /v1/queue/items", s.queueItems)
	s.Handle("POST /v1/flush", s.afterRebuild(s.flush))
	s.Handle("DELETE /v1/messages/{id}", s.afterRebuild(s.deleteMessage))
}

// QueueItem is one item of a scheduled queue: a message's recipients of
// one domain.
type QueueItem struct {
	ID         string    `json:"id"`
	Queue      string    `json:"queue"`
	Recipients int       `json:"recipients"`
	Attempts   int       `json:"attempts"`
	Due        time.Time `json:"next_attempt"`
}

// QueueItems is a page of GET /v1/queue/items; Next, when set, is the
// after= of the next page.
type QueueItems struct {
	Items []QueueItem `json:"items"`
	Next  string      `json:"next,omitempty"`
}

const maxPage = 1000

func (s *Server) queueItems(r *http.Request) (any, error) {
	q := r.URL.Query()
	sel, err := s.CheckSelector(message.Selector{Tenant: q.Get("tenant"), Campaign: q.Get("campaign"), Domain: q.Get("domain")})
	if err != nil {
		return nil, err
	}
	limit := 100
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxPage {
			return nil, Errorf(http.StatusBadRequest, "limit=%q: want 1 to %d", v, maxPage)
		}
	}
	items, more := s.eng.ListScheduled(sel, q.Get("after"), limit)
	out := QueueItems{Items: make([]QueueItem, len(items))}
	for i, it := range items {
		out.Items[i] = QueueItem(it)
	}
	if more {
		out.Next = items[len(items)-1].ID
	}
	return out, nil
}

// flush answers POST /v1/flush: the selected scheduled mail is due now.
func (s *Server) flush(r *http.Request) (any, error) {
	var sel message.Selector
	if err := DecodeJSON(r, &sel); err != nil {
		return nil, err
	}
	sel, err := s.selectorOf(sel)
	if err != nil {
		return nil, err
	}
	return Affected(s.eng.Flush(sel)), nil
}

// deleteMessage answers DELETE /v1/messages/{id}: the message, or one
// recipient of it, leaves the queue with an AdminBounce record.
func (s *Server) deleteMessage(r *http.Request) (any, error) {
	id, err := message.ParseID(r.PathValue("id"))
	if err != nil {
		return nil, Errorf(http.StatusBadRequest, "%v", err)
	}
	q := r.URL.Query()
	if len(q.Get("reason")) > 1000 {
		return nil, Errorf(http.StatusBadRequest, "reason is longer than 1000 characters")
	}
	a, err := s.eng.Delete(id, q.Get("recipient"), q.Get("reason"))
	switch {
	case errors.Is(err, engine.ErrNoMessage):
		return nil, Errorf(http.StatusNotFound, "message %s is not queued", id)
	case errors.Is(err, engine.ErrNoRecipient) && q.Get("recipient") != "":
		return nil, Errorf(http.StatusNotFound, "message %s has no queued recipient %q", id, q.Get("recipient"))
	case errors.Is(err, engine.ErrNoRecipient):
		return nil, Errorf(http.StatusNotFound, "message %s has nothing left in the queues (on a connection now?)", id)
	}
	return Affected(a), err
}
