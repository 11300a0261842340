package unassim_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"minisync/sources/unasapi/unassim"
)

const doc = `<?xml version="1.0" encoding="UTF-8"?>
<Orders>
  <Order><Key>A</Key><DateMod>2026.11.18 10:00:00</DateMod><Name><![CDATA[Ő & <b>]]></Name></Order>
  <Order><Key>B</Key><DateMod>2026.11.18 09:00:00</DateMod></Order>
</Orders>`

func post(t *testing.T, url, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestSimulator(t *testing.T) {
	now := time.Date(2026, 11, 18, 12, 0, 0, 0, unassim.Budapest)
	s, err := unassim.New(unassim.Config{APIKey: "k", Now: func() time.Time { return now }, HourlyLimit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddOrdersXML([]byte(doc)); err != nil {
		t.Fatal(err)
	}
	base, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	if code, body := post(t, base+"/login", "", "<Params><ApiKey>x</ApiKey></Params>"); code != 400 || !strings.Contains(body, "<Error>Login Error:") {
		t.Errorf("wrong key: %d %s", code, body)
	}
	code, body := post(t, base+"/login", "", `<?xml version="1.0" encoding="UTF-8"?><Params><ApiKey>k</ApiKey></Params>`)
	if code != 200 || !strings.Contains(body, "<Status>ok</Status>") || !strings.Contains(body, "<ExpireTime>"+strconv.FormatInt(now.Add(2*time.Hour).Unix(), 10)+"</ExpireTime>") {
		t.Fatalf("login: %d %s", code, body)
	}
	tok := body[strings.Index(body, "<Token>")+7 : strings.Index(body, "</Token>")]

	if code, body := post(t, base+"/getOrder", "nope", "<Params/>"); code != 401 || !strings.Contains(body, "<Error>Token expired</Error>") {
		t.Errorf("unknown token: %d %s", code, body)
	}
	// 1 list call: sorted by DateMod, B first; the element verbatim.
	code, body = post(t, base+"/getOrder", tok, "<Params><TimeModStart>0</TimeModStart><TimeModEnd>"+strconv.FormatInt(now.Unix(), 10)+"</TimeModEnd></Params>")
	if code != 200 || strings.Index(body, "<Key>B</Key>") > strings.Index(body, "<Key>A</Key>") ||
		!strings.Contains(body, "<Order><Key>A</Key><DateMod>2026.11.18 10:00:00</DateMod><Name><![CDATA[Ő & <b>]]></Name></Order>") {
		t.Errorf("getOrder: %d %s", code, body)
	}
	// Key calls do not count against the hourly limit.
	if code, body := post(t, base+"/getOrder", tok, "<Params><Key>A</Key></Params>"); code != 200 || strings.Contains(body, "<Key>B</Key>") {
		t.Errorf("Key filter: %d %s", code, body)
	}
	// 2nd list call: LimitNum over 500 is refused.
	if code, body := post(t, base+"/getOrder", tok, "<Params><LimitNum>501</LimitNum></Params>"); code != 400 || !strings.Contains(body, "<Error>") {
		t.Errorf("LimitNum 501: %d %s", code, body)
	}
	// 3rd list call passes the limit: banned for an hour, Budapest time, m.d.Y.
	code, body = post(t, base+"/getOrder", tok, "<Params><InvoiceAutoSet>1</InvoiceAutoSet></Params>")
	if code != 400 || !strings.Contains(body, "<Error>Too much getOrder query, IP is banned till 11.18.2026 13:00:00!</Error>") {
		t.Errorf("over the limit: %d %s", code, body)
	}
	st := s.Stats()
	if st.Logins != 1 || st.FailedLogins != 1 || st.GetOrderCalls != 5 || !st.InvoiceAutoSetSent || st.LastParams()["InvoiceAutoSet"] != "1" {
		t.Errorf("stats = %+v", st)
	}
}

func TestBadOrders(t *testing.T) {
	s, _ := unassim.New(unassim.Config{APIKey: "k"})
	for name, d := range map[string]string{
		"no DateMod":  "<Orders><Order><Key>A</Key></Order></Orders>",
		"bad DateMod": "<Orders><Order><Key>A</Key><DateMod>2026-11-18</DateMod></Order></Orders>",
		"wrong root":  "<Products><Order><Key>A</Key></Order></Products>",
		"truncated":   "<Orders><Order><Key>A</Key>",
	} {
		if err := s.AddOrdersXML([]byte(d)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := s.SetOrderXML("A", []byte("<Order><Key>B</Key><DateMod>2026.11.18 10:00:00</DateMod></Order>")); err == nil {
		t.Error("SetOrderXML accepted another Key")
	}
}
