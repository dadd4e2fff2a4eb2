#!/usr/bin/env bash
# protoc_nanocat_test.sh: the protocol with no project code on the client
# side. protoc --encode=crm.v1.Request builds requests from protoc's text
# format, nanocat (nanomsg-utils) sends each to a real crmd over REQ/REP,
# protoc --decode=crm.v1.Response reads the replies: hello, a login, the
# session token carried into whoami, and a wrong password.
# Usage: protoc_nanocat_test.sh CRMD PROTO-DIR
set -u
CRMD=${1:?crmd path}
PROTO=${2:?folder of crm.proto}
. "$(dirname "$0")/lib.sh"
e2e_home nanocat
URL=$CRM_SERVER

# call NAME: encode $H/NAME.txt, send it, decode the reply into $out.
call() {
	if ! protoc -I "$PROTO" --encode=crm.v1.Request "$PROTO/crm.proto" \
		<"$H/$1.txt" >"$H/$1.bin"; then
		bad "$1: protoc --encode failed"; out=; return
	fi
	if ! timeout 10 nanocat --req --connect "$URL" --file "$H/$1.bin" \
		--raw --recv-timeout 5 >"$H/$1.reply"; then
		bad "$1: nanocat got no reply"; out=; return
	fi
	out=$(protoc -I "$PROTO" --decode=crm.v1.Response "$PROTO/crm.proto" \
		<"$H/$1.reply") || bad "$1: the reply does not decode"
	printf '%s\n' "$out" | sed "s/^/    $1: /"
}
e2e_user li pw-li --role rep --team east
e2e_start || exit 1

cat >"$H/hello.txt" <<'TXT'
protocol_version: 1
hello { client: "nanocat" }
TXT
call hello
has_re "hello answers OK" '^  code: OK$'
has_re "hello names the protocol version" '^  protocol_version: 1$'
has_re "hello gives the request size limit" '^  max_message_size: [0-9]+$'
has_re "hello gives the PUB address" "^  pub_url: \"$URL.pub\"\$"

cat >"$H/login.txt" <<'TXT'
protocol_version: 1
request_id: "0123456789abcdef"
login { login: "li" password: "pw-li" }
TXT
call login
has_re "login answers OK" '^  code: OK$'
has_re "login echoes the request id" '^request_id: "0123456789abcdef"$'
has_re "login names the user" '^    login: "li"$'
has_re "login names the role" '^    role: ROLE_REP$'
# The token as protoc printed it (C escapes) is valid text-format input.
token=$(printf '%s\n' "$out" | sed -n 's/^  session_token: \(".*"\)$/\1/p')
[ -n "$token" ] && ok "login returns a session token" || bad "no token"

printf 'protocol_version: 1\nsession_token: %s\nwhoami {}\n' "$token" \
	>"$H/whoami.txt"
call whoami
has_re "the token opens the session" '^  code: OK$'
has_re "whoami is li" '^  login: "li"$'

cat >"$H/badlogin.txt" <<'TXT'
protocol_version: 1
request_id: "fedcba9876543210"
login { login: "li" password: "wrong" }
TXT
call badlogin
has_re "a wrong password is UNAUTHENTICATED" '^  code: UNAUTHENTICATED$'
has_re "with a message" '^  message: "'

# Protocol 1.0 (issue 17): gRPC's code numbers. A customer that does not
# exist is NOT_FOUND by name in protoc's decoding and 5 on the wire: the
# reply holds status (field 2) with code (field 1, varint) 5.
printf 'protocol_version: 1\nsession_token: %s\ncustomer_get { id: 999999 }\n' \
	"$token" >"$H/notfound.txt"
call notfound
has_re "a missing customer decodes as code: NOT_FOUND" '^  code: NOT_FOUND$'
od -An -tx1 -v "$H/notfound.reply" | tr -s ' \n' ' ' | grep -qE ' 12 [0-9a-f]{2} 08 05( |$)' \
	&& ok "NOT_FOUND is encoded as 5" \
	|| bad "NOT_FOUND is not 08 05 in: $(od -An -tx1 "$H/notfound.reply")"
out=$(protoc -I "$PROTO" --decode_raw <"$H/notfound.reply")
has_re "the raw status code is 5" '^  1: 5$'
cat >"$H/hello2.txt" <<'TXT'
protocol_version: 1
hello { client: "nanocat" }
TXT
call hello2
has_re "hello gives the oldest protocol version" '^  min_protocol_version: 1$'
has_re "hello gives the newest protocol version" '^  max_protocol_version: 1$'
cat >"$H/future.txt" <<'TXT'
protocol_version: 7
request_id: "future-version-1"
hello { client: "nanocat" }
TXT
call future
has_re "a newer protocol version is UNIMPLEMENTED" '^  code: UNIMPLEMENTED$'
has_re "naming the range" '^  message: ".*versions 1 to 1'
has_re "and the field" '^  field: "protocol_version"$'
has_re "its request id is echoed" '^request_id: "future-version-1"$'

# Structured details (issue 17, item 4): ALREADY_EXISTS names the holder
# the caller may see (existing_id); INVALID_ARGUMENT names the bad field.
add_customer() { # NAME ID-TEXT EXTRA
	printf 'protocol_version: 1\nrequest_id: "%s"\nsession_token: %s\ncustomer_add { customer { name: "%s" %s } }\n' \
		"$2" "$token" "$1" "${3:-}" >"$H/$4.txt"
	call "$4"
}
add_customer "Nanocat Trading" "customer-add-001" "" add1
has_re "a customer is added" '^  code: OK$'
cid=$(printf '%s\n' "$out" | sed -n 's/^    id: \([0-9]*\)$/\1/p' | head -1)
add_customer "Nanocat Trading" "customer-add-002" "" add2
has_re "the same name again is ALREADY_EXISTS" '^  code: ALREADY_EXISTS$'
has_re "naming the holder's id" "^  existing_id: $cid\$"
add_customer "Bad Tags Co" "customer-add-003" 'tags: "ok" tags: "a,b"' add3
has_re "a bad tag is INVALID_ARGUMENT" '^  code: INVALID_ARGUMENT$'
has_re "naming the field" '^  field: "customer_add.customer.tags\[1\]"$'
add_customer "$(printf 'x%.0s' $(seq 5000))" "customer-add-004" "" add4
has_re "a too long name is INVALID_ARGUMENT" '^  code: INVALID_ARGUMENT$'
has_re "naming the field" '^  field: "customer_add.customer.name"$'
printf 'protocol_version: 1\nrequest_id: "contact-add-0001"\nsession_token: %s\ncontact_add { contact { customer_id: %s name: "Wu" phones: "123" phones: "call me" } }\n' \
	"$token" "$cid" >"$H/contact.txt"
call contact
has_re "a bad phone is INVALID_ARGUMENT" '^  code: INVALID_ARGUMENT$'
has_re "naming the phone" '^  field: "contact_add.contact.phones\[1\]"$'
cat >"$H/noid.txt" <<TXT
protocol_version: 1
session_token: $token
customer_add { customer { name: "No Id Co" } }
TXT
call noid
has_re "a write without an id names request_id" '^  field: "request_id"$'

e2e_stop
e2e_done
