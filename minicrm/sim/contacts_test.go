package sim

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestAuth(t *testing.T) {
	f := start(t, Config{})
	for _, tc := range []struct{ name, user, pass string }{
		{"missing", "", ""}, {"wrong key", testSystem, "nope"}, {"wrong system", "54321", testKey},
	} {
		req, _ := http.NewRequest("GET", f.base+"/Api/R3/Category", nil)
		if tc.user != "" {
			req.SetBasicAuth(tc.user, tc.pass)
		}
		resp, err := f.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 64)
		n, _ := resp.Body.Read(b)
		resp.Body.Close()
		if resp.StatusCode != 401 || string(b[:n]) != "Unauthorized" {
			t.Errorf("%s: %d %q, want 401 Unauthorized", tc.name, resp.StatusCode, b[:n])
		}
	}
	f.ok("GET", "/Api/R3/Category", "")
	if st := f.s.Stats(); st.R3.Unauthorized != 3 || st.R3.Requests != 4 {
		t.Errorf("stats %+v", st.R3)
	}
}

// dropdownSystem adds a Forras (source) dropdown to the Person schema.
func dropdownSystem(t *testing.T) *System {
	t.Helper()
	path := filepath.Join(t.TempDir(), "system.json")
	sys := `{"Users":[{"Id":7,"Label":"Szabó Éva"}],
	  "Categories":[{"Id":2,"Name":"Rendelések","Type":"Orders","Statuses":[{"Id":10,"Label":"Új"}]}],
	  "PersonFields":[{"Name":"Forras","Type":"Dropdown","Options":[{"Id":1,"Label":"Webshop"},{"Id":2,"Label":"Bolt"}]}]}`
	if err := os.WriteFile(path, []byte(sys), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSystem(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLoadSystemRejectsUnknownKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "system.json")
	os.WriteFile(path, []byte(`{"Users":[{"Id":1,"Label":"A"}],"Categorys":[]}`), 0o600)
	if _, err := LoadSystem(path); err == nil || !strings.Contains(err.Error(), "Categorys") {
		t.Errorf("LoadSystem: %v, want an error naming Categorys", err)
	}
}

func TestContactCreateSearchGetUpdate(t *testing.T) {
	f := start(t, Config{System: dropdownSystem(t)})
	biz := f.create("/Api/R3/Contact", `{"Type":"Business","Name":"Példa Kft.","VatNumber":"12345678-2-42"}`)
	anna := f.create("/Api/R3/Contact", fmt.Sprintf(
		`{"Type":"Person","FirstName":"Anna","LastName":"Kovács","Email":"Anna@Example.hu","BusinessId":%d,"Forras":"Webshop"}`, biz))
	other := f.create("/Api/R3/Contact", `{"Type":"Person","FirstName":"Béla","Forras":2}`) // dropdown by id

	// Search: e-mail case-insensitive, numeric ids in rows, Type as written.
	m := f.ok("GET", "/Api/R3/Contact?Email=anna@example.hu", "")
	rows := results(t, m)
	row, ok := rows[strconv.Itoa(anna)].(map[string]any)
	if num(t, m["Count"]) != 1 || !ok {
		t.Fatalf("search by e-mail: %v", m)
	}
	if row["Type"] != "Person" || num(t, row["BusinessId"]) != biz || row["Name"] != "Kovács Anna" ||
		row["Url"] != f.base+"/Api/R3/Contact/"+strconv.Itoa(anna) {
		t.Errorf("search row %v", row)
	}
	m = f.ok("GET", "/Api/R3/Contact?VatNumber=HU%2012345678242", "")
	if _, ok := results(t, m)[strconv.Itoa(biz)]; !ok {
		t.Errorf("search by normalised VatNumber: %v", m)
	}
	m = f.ok("GET", "/Api/R3/Contact?Forras=Bolt", "") // dropdown searched by label
	if _, ok := results(t, m)[strconv.Itoa(other)]; !ok || num(t, m["Count"]) != 1 {
		t.Errorf("search by dropdown label: %v", m)
	}

	// Detail: labels for Type and dropdowns; non-ASCII escaped.
	_, raw := f.do("GET", "/Api/R3/Contact/"+strconv.Itoa(anna), "")
	if !strings.Contains(raw, `"Type":"Szem\u00e9ly"`) || !strings.Contains(raw, `"LastName":"Kov\u00e1cs"`) {
		t.Errorf("detail not escaped as PHP does: %s", raw)
	}
	d := f.ok("GET", "/Api/R3/Contact/"+strconv.Itoa(anna), "")
	if d["Type"] != "Személy" || d["Forras"] != "Webshop" || d["Email"] != "Anna@Example.hu" || d["Phone"] != "" {
		t.Errorf("person detail %v", d)
	}
	if d := f.ok("GET", "/Api/R3/Contact/"+strconv.Itoa(biz), ""); d["Type"] != "Cég" || d["VatNumber"] != "12345678-2-42" {
		t.Errorf("business detail %v", d)
	}

	// Update with only the changed fields; dropdown by id reads back as label.
	if id := f.create("/Api/R3/Contact/"+strconv.Itoa(anna), `{"Phone":"+36 30 123 4567","Forras":"2"}`); id != anna {
		t.Errorf("update returned id %d", id)
	}
	d = f.ok("GET", "/Api/R3/Contact/"+strconv.Itoa(anna), "")
	if d["Phone"] != "+36 30 123 4567" || d["Forras"] != "Bolt" || d["FirstName"] != "Anna" {
		t.Errorf("after update %v", d)
	}
	if m := f.ok("GET", "/Api/R3/Contact?Phone=301234567", ""); num(t, m["Count"]) != 1 {
		t.Errorf("search by phone digits: %v", m)
	}

	f.fail("PUT", "/Api/R3/Contact", `{"Type":2,"FirstName":"X"}`, 400, "Contact (PUT): Invalid value '2' for the Type field.")
	f.fail("PUT", "/Api/R3/Contact", `{"Type":"Person","FirstName":"X","Emial":"x@y.hu"}`, 400, "Contact (PUT): Unknown field 'Emial'.")
	f.fail("PUT", "/Api/R3/Contact", `{"Type":"Person","FirstName":"X","Forras":"Piac"}`, 400, "Contact (PUT): Invalid value 'Piac' for the Forras field.")
	f.fail("PUT", "/Api/R3/Contact", `{"Type":"Person","LastName":"X"}`, 400, "Contact (PUT): The FirstName field is required.")
	biz2 := f.create("/Api/R3/Contact", `{"Type":"Business","Name":"Másik Bt."}`)
	f.fail("PUT", "/Api/R3/Contact/"+strconv.Itoa(anna), fmt.Sprintf(`{"BusinessId":%d}`, biz2), 400,
		"Contact (PUT): A person cannot be moved to another company.")
	f.create("/Api/R3/Contact/"+strconv.Itoa(other), fmt.Sprintf(`{"BusinessId":%d}`, biz2)) // a first company is fine
	f.fail("GET", "/Api/R3/Contact/999999", "", 404, "Contact (GET): Contact 999999 not found.")
	f.fail("DELETE", "/Api/R3/Contact/"+strconv.Itoa(anna), "", 405, "Contact (DELETE): Method not allowed.")
	f.fail("GET", "/Api/R3/Contact?email=x", "", 400, "Contact (GET): Unknown field 'email'.")
	f.fail("GET", "/Api/R3/Nothing", "", 404, "Nothing (GET): Unknown URL.")

	if n := len(f.s.Contacts()); n != 4 {
		t.Errorf("%d contacts, want 4", n)
	}
}

func TestPaging(t *testing.T) {
	f := start(t, Config{})
	want := map[int]bool{}
	for i := range 250 {
		want[f.create("/Api/R3/Contact", fmt.Sprintf(`{"Type":"Person","FirstName":"P%d","LastName":"Teszt"}`, i))] = true
	}
	seen := map[string]bool{}
	for page, size := range []int{100, 100, 50, 0} {
		m := f.ok("GET", fmt.Sprintf("/Api/R3/Contact?LastName=Teszt&Page=%d", page), "")
		rows := results(t, m)
		if num(t, m["Count"]) != 250 || len(rows) != size {
			t.Fatalf("page %d: Count %v, %d rows; want 250, %d", page, m["Count"], len(rows), size)
		}
		for id := range rows {
			if seen[id] {
				t.Errorf("contact %s on two pages", id)
			}
			seen[id] = true
		}
	}
	m := f.ok("GET", "/Api/R3/Contact?LastName=Teszt", "") // no Page = page 0
	if _, ok := results(t, m)[strconv.Itoa(firstContactID)]; !ok {
		t.Errorf("page 0 does not start with the first contact")
	}
	if len(seen) != len(want) {
		t.Errorf("pages held %d contacts, want %d", len(seen), len(want))
	}
}

func TestEmptySearchIsAnArray(t *testing.T) {
	f := start(t, Config{})
	for _, path := range []string{"/Api/R3/Contact?Email=nobody@example.hu", "/Api/R3/Project?ReferenceId=none"} {
		if code, body := f.do("GET", path, ""); code != 200 || body != `{"Count":0,"Results":[]}` {
			t.Errorf("%s: %d %s", path, code, body)
		}
	}
}

func TestHugePageIsEmpty(t *testing.T) {
	f := start(t, Config{})
	f.create("/Api/R3/Contact", `{"Type":"Person","FirstName":"A"}`)
	if code, body := f.do("GET", "/Api/R3/Contact?Page=9223372036854775807", ""); code != 200 || body != `{"Count":1,"Results":[]}` {
		t.Errorf("%d %s", code, body)
	}
	f.fail("GET", "/Api/R3/Contact?Page=-1", "", 400, "Contact (GET): Invalid value '-1' for the Page field.")
}
