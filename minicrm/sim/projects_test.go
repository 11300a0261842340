package sim

import (
	"fmt"
	"strconv"
	"testing"
	"time"
)

func TestCategoryAndSchema(t *testing.T) {
	f := start(t, Config{})
	if m := f.ok("GET", "/Api/R3/Category", ""); m["2"] != "Rendelések" || len(m) != 4 {
		t.Errorf("Category: %v", m)
	}
	m := f.ok("GET", "/Api/R3/Category?Detailed=1", "")
	if c, _ := m["2"].(map[string]any); c["Type"] != "Orders" || num(t, c["Id"]) != 2 {
		t.Errorf("Category?Detailed=1: %v", m)
	}
	s := f.ok("GET", "/Api/R3/Schema/Project/2", "")
	status, _ := s["StatusId"].(map[string]any)
	users, _ := s["UserId"].(map[string]any)
	if status["13"] != "Sikeres" || users["1"] != "Kovács Anna" || s["OrderTotal"] != "Float" || s["ContactId"] != "Int" {
		t.Errorf("Schema/Project/2: %v", s)
	}
	if p := f.ok("GET", "/Api/R3/Schema/Person", ""); p["BusinessId"] != "Int" || p["Email"] != "Text(512)" {
		t.Errorf("Schema/Person: %v", p)
	}
	if b := f.ok("GET", "/Api/R3/Schema/Business", ""); b["VatNumber"] != "Text(512)" || b["Url"] != "Text(1024)" {
		t.Errorf("Schema/Business: %v", b)
	}
	f.fail("GET", "/Api/R3/Schema/Project/99", "", 404, "Schema (GET): Category '99' not found.")
}

func TestProjectWrites(t *testing.T) {
	f := start(t, Config{})
	contact := f.create("/Api/R3/Contact", `{"Type":"Person","FirstName":"Anna"}`)
	create := func(extra string) string {
		return fmt.Sprintf(`{"CategoryId":2,"ContactId":%d,"Name":"Rendelés 1","ReferenceId":"unas:1"%s}`, contact, extra)
	}

	f.fail("PUT", "/Api/R3/Project", create(`,"StatusId":"Foo"`), 400, "Project (PUT): Invalid value 'Foo' for the StatusId field.")
	f.fail("PUT", "/Api/R3/Project", create(`,"StatusId":3`), 400, "Project (PUT): Invalid value '3' for the StatusId field.")
	f.fail("PUT", "/Api/R3/Project", create(`,"Unasstatus":"x"`), 400, "Project (PUT): Unknown field 'Unasstatus'.")
	f.fail("PUT", "/Api/R3/Project", create(`,"OrderTotal":"sok"`), 400, "Project (PUT): Invalid value 'sok' for the OrderTotal field.")
	f.fail("PUT", "/Api/R3/Project", `{"CategoryId":9,"ContactId":1}`, 400, "Project (PUT): Invalid value '9' for the CategoryId field.")
	f.fail("PUT", "/Api/R3/Project", `{"CategoryId":2,"ContactId":424242}`, 400, "Project (PUT): Invalid value '424242' for the ContactId field.")
	f.fail("PUT", "/Api/R3/Project", `{"CategoryId":2}`, 400, "Project (PUT): The ContactId field is required.")
	if n := len(f.s.Projects()); n != 0 {
		t.Fatalf("rejected writes made %d cards", n)
	}

	// Dropdowns by label on create, by id on update; the quirk: an unknown
	// user answers 200 and the card goes to the first user.
	id := f.create("/Api/R3/Project", create(`,"StatusId":"Feldolgozás","UserId":"Nagy Péter","OrderTotal":"12500.5"`))
	d := f.ok("GET", "/Api/R3/Project/"+strconv.Itoa(id), "")
	if d["StatusId"] != "Feldolgozás" || d["UserId"] != "Nagy Péter" || fmt.Sprint(d["OrderTotal"]) != "12500.5" ||
		num(t, d["ContactId"]) != contact || d["ReferenceId"] != "unas:1" {
		t.Errorf("detail after create: %v", d)
	}
	f.create("/Api/R3/Project/"+strconv.Itoa(id), `{"StatusId":13,"UserId":999,"CategoryId":3}`)
	d = f.ok("GET", "/Api/R3/Project/"+strconv.Itoa(id), "")
	if d["StatusId"] != "Sikeres" || d["UserId"] != "Kovács Anna" || num(t, d["CategoryId"]) != 2 {
		t.Errorf("detail after update (UserId quirk, CategoryId ignored): %v", d)
	}
	f.create("/Api/R3/Project/"+strconv.Itoa(id), `{"UserId":"Senki"}`)
	if p := f.s.Projects()[0]; p.UserID != 1 || p.StatusID != 13 {
		t.Errorf("record %+v", p)
	}

	// Search rows carry numeric dropdowns.
	m := f.ok("GET", "/Api/R3/Project?CategoryId=2&ReferenceId=unas:1", "")
	row, _ := results(t, m)[strconv.Itoa(id)].(map[string]any)
	if num(t, m["Count"]) != 1 || num(t, row["StatusId"]) != 13 || num(t, row["UserId"]) != 1 || num(t, row["Deleted"]) != 0 {
		t.Errorf("search: %v", m)
	}
	if m := f.ok("GET", "/Api/R3/Project?StatusId=Sikeres", ""); num(t, m["Count"]) != 1 {
		t.Errorf("search by status label: %v", m)
	}
	f.fail("PUT", "/Api/R3/Project/"+strconv.Itoa(id), `{"Deleted":1}`, 400,
		"Project (PUT): Deleting cards is not supported: minisync never deletes.")
	f.fail("PUT", "/Api/R3/Project/"+strconv.Itoa(id), `{"Name":`, 400, "Project (PUT): Invalid JSON: unexpected EOF")
	f.fail("GET", "/Api/R3/Project/"+strconv.Itoa(contact), "", 404, fmt.Sprintf("Project (GET): Project %d not found.", contact))
}

func TestRateLimit(t *testing.T) {
	clk := newClock()
	f := start(t, Config{R3PerMinute: 3, FeedPerHour: 1, Now: clk.Now})
	customer := f.create("/Api/R3/Contact", `{"Type":"Person","FirstName":"A"}`)
	f.create("/Api/R3/Contact", `{"Type":"Person","FirstName":"B"}`)
	clk.Add(30 * time.Second)
	f.ok("GET", "/Api/R3/Category", "")
	f.fail("PUT", "/Api/R3/Contact", `{"Type":"Person","FirstName":"C"}`, 429, "Too Many Requests")
	if n := len(f.s.Contacts()); n != 2 {
		t.Errorf("a refused write was applied: %d contacts", n)
	}
	clk.Add(29 * time.Second) // 59 s after the first: still 3 in the window
	f.fail("GET", "/Api/R3/Category", "", 429, "Too Many Requests")
	clk.Add(time.Second) // the first two left the window
	f.ok("GET", "/Api/R3/Category", "")
	f.ok("GET", "/Api/R3/Category", "")
	f.fail("GET", "/Api/R3/Category", "", 429, "Too Many Requests")

	// /Api/Order is not limited.
	for i := range 10 {
		f.do("POST", "/Api/Order", fmt.Sprintf(`{"CustomerId":%d,"ReferenceId":"o%d"}`, customer, i))
	}
	if n := len(f.s.Orders()); n != 10 {
		t.Errorf("%d orders, want 10", n)
	}
	// The feed: 1 per hour.
	feed := "/Api/SyncFeed/" + testSystem + "/Upload"
	f.ok("POST", feed, `<Projects/>`)
	f.fail("POST", feed, `<Projects/>`, 429, "Too Many Requests")
	clk.Add(time.Hour)
	f.ok("POST", feed, `<Projects/>`)

	st := f.s.Stats()
	if st.R3.OverLimit != 3 || st.R3.Requests != 8 || st.Feed.OverLimit != 1 || st.Order.OverLimit != 0 || st.Order.Requests != 10 {
		t.Errorf("stats %+v", st)
	}
	// Requests seen in one window, refused ones included: the client sent
	// 6 in the 60 s ending at the last one (4 too many).
	if st.R3.MaxInWindow != 6 || st.Feed.MaxInWindow != 2 {
		t.Errorf("MaxInWindow R3 %d, feed %d", st.R3.MaxInWindow, st.Feed.MaxInWindow)
	}
}
