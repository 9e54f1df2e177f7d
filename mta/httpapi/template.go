package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"regexp"
	"strings"
	texttemplate "text/template"
	"text/template/parse"
)

// template is one templated field: subject, text or html. A field without
// "{{" is used as it is and costs nothing per recipient.
type template struct {
	literal string
	text    *texttemplate.Template
	html    *htmltemplate.Template
	// comments are the HTML comments taken out before html/template saw
	// the body (it would drop them, and e-mail HTML needs Outlook's
	// conditional comments), keyed by the placeholder left in their place.
	comments map[string]string
}

// maxRangeDepth bounds nested {{range}}: with arrays of at most
// maxArrayLen elements, a template costs at most 10^6 iterations per
// range pair instead of whatever a deep nest would make it.
const maxRangeDepth = 2

var errTemplateShape = errors.New("template")

// parseText parses a subject or text body as text/template.
func parseText(name, src string) (*template, error) {
	if !strings.Contains(src, "{{") {
		return &template{literal: src}, nil
	}
	t, err := texttemplate.New(name).Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, err
	}
	if len(t.Templates()) > 1 {
		return nil, fmt.Errorf("%w: {{define}} and {{block}} are not supported", errTemplateShape)
	}
	if err := checkTree(t.Tree.Root, 0); err != nil {
		return nil, err
	}
	return &template{text: t}, nil
}

// parseHTML parses an HTML body as html/template, so that substituted
// values are escaped for where they land (text, attribute, URL, script).
func parseHTML(name, src string) (*template, error) {
	if !strings.Contains(src, "{{") {
		return &template{literal: src}, nil
	}
	src, comments := hideComments(src)
	t, err := htmltemplate.New(name).Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, err
	}
	if len(t.Templates()) > 1 {
		return nil, fmt.Errorf("%w: {{define}} and {{block}} are not supported", errTemplateShape)
	}
	if err := checkTree(t.Tree.Root, 0); err != nil {
		return nil, err
	}
	return &template{html: t, comments: comments}, nil
}

// checkTree refuses {{template}} calls and ranges nested deeper than
// maxRangeDepth.
func checkTree(n parse.Node, depth int) error {
	switch x := n.(type) {
	case *parse.ListNode:
		if x == nil {
			return nil
		}
		for _, c := range x.Nodes {
			if err := checkTree(c, depth); err != nil {
				return err
			}
		}
	case *parse.TemplateNode:
		return fmt.Errorf("%w: {{template}} is not supported", errTemplateShape)
	case *parse.RangeNode:
		if depth+1 > maxRangeDepth {
			return fmt.Errorf("%w: {{range}} nested more than %d deep", errTemplateShape, maxRangeDepth)
		}
		return checkBranch(&x.BranchNode, depth+1)
	case *parse.IfNode:
		return checkBranch(&x.BranchNode, depth)
	case *parse.WithNode:
		return checkBranch(&x.BranchNode, depth)
	}
	return nil
}

func checkBranch(b *parse.BranchNode, depth int) error {
	if err := checkTree(b.List, depth); err != nil {
		return err
	}
	return checkTree(b.ElseList, depth)
}

var htmlComment = regexp.MustCompile(`(?s)<!--.*?-->`)

// hideComments replaces every HTML comment with a placeholder made of a
// random nonce, which html/template passes through as text.
func hideComments(src string) (string, map[string]string) {
	if !strings.Contains(src, "<!--") {
		return src, nil
	}
	var nonce [12]byte
	rand.Read(nonce[:])
	prefix := "wasmta-comment-" + hex.EncodeToString(nonce[:]) + "-"
	comments := map[string]string{}
	out := htmlComment.ReplaceAllStringFunc(src, func(c string) string {
		key := fmt.Sprintf("%s%d", prefix, len(comments))
		comments[key] = c
		return key
	})
	return out, comments
}

// render executes t with data, writing at most limit bytes.
func (t *template) render(data map[string]any, limit int64) (string, error) {
	if t.text == nil && t.html == nil {
		return t.literal, nil
	}
	var b strings.Builder
	w := &limitedWriter{w: &b, left: limit}
	var err error
	if t.text != nil {
		err = t.text.Execute(w, data)
	} else {
		err = t.html.Execute(w, data)
	}
	if err != nil {
		return "", templateError(err)
	}
	out := b.String()
	for key, c := range t.comments {
		out = strings.Replace(out, key, c, 1)
	}
	return out, nil
}

// templateError drops text/template's "template: " prefix; the rest names
// the template, line, column and what failed.
func templateError(err error) error {
	if errors.Is(err, errTooLarge) {
		return err
	}
	return errors.New(strings.TrimPrefix(err.Error(), "template: "))
}

var errTooLarge = errors.New("rendered text is larger than the message size limit")

// limitedWriter fails once more than left bytes were written, which stops
// a template's execution.
type limitedWriter struct {
	w    io.Writer
	left int64
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > l.left {
		return 0, errTooLarge
	}
	l.left -= int64(len(p))
	return l.w.Write(p)
}
