package console

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestIndentXML: the editor's XML is indented, keeps the document's one default
// namespace, drops the XML declaration, and text is kept; a broken document is shown as it came.
func TestIndentXML(t *testing.T) {
	got := indentXML([]byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ID>a &amp; b</ID><Status>Enabled</Status></Rule></LifecycleConfiguration>`))
	require.Equal(t, `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Rule>
    <ID>a &amp; b</ID>
    <Status>Enabled</Status>
  </Rule>
</LifecycleConfiguration>`, got)
	require.Equal(t, "<a><b>", indentXML([]byte("<a><b>")))
}
