#!/usr/bin/env bash
# ssh_tunnel_test.sh: `crm --server ssh://USER@127.0.0.1:PORT/CRMD_PORT`
# through a real OpenSSH server (issue 20). sshd runs on 127.0.0.1 at a
# free high port as the current user (with its own host key, no PAM,
# StrictModes off) and the crm-server package's sshd drop-in
# (tools/ssh/crm.conf, its `Match User crm` made `Match User $USER`);
# its AuthorizedKeysFile is written by `crmd remote-key add`. The client
# gets a temporary key and known_hosts through CRM_SSH="ssh -F CONFIG".
# A real crmd listens on tcp://127.0.0.1:P (pokes on P + 1).
# Checked: the key line's restrictions; login, whoami, a follow-up and a
# live reminder in the interactive shell, all through the tunnel; a
# killed ssh is restarted and the next reminder still arrives; a write
# in flight when ssh dies is kept in the outbox and `outbox send` applies
# it once; Ctrl-C leaves the tunnel alone; the key
# cannot run a command, get a pty, forward to another port or a unix
# socket, or listen (-R); a removed key is refused with ssh's message.
# Skipped (exit 77) only when sshd cannot run here at all.
# Usage: ssh_tunnel_test.sh CRMD CRM SOURCE_DIR
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
SRC=${3:?source dir}
. "$(dirname "$0")/lib.sh"

SSHD=$(command -v sshd || echo /usr/sbin/sshd)
skip() {
	echo "SKIP: $*"
	exit 77
}
[ -x "$SSHD" ] || skip "no sshd (apt-get install openssh-server; tools/deps does)"
command -v ssh >/dev/null && command -v ssh-keygen >/dev/null ||
	skip "no ssh client (apt-get install openssh-client)"

e2e_home ssh
SSHD_PID=
cleanup() {
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null
	[ -n "$PID" ] && kill -CONT "$PID" 2>/dev/null # paused below
	e2e_cleanup
}
trap cleanup EXIT
e2e_tmux ssh

ME=$(id -un)
# sshd running as root checks its privilege-separation folder (made by
# systemd at boot where the package is installed).
if [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then
	mkdir -p -m 0755 /run/sshd || skip "cannot make /run/sshd"
fi

# Free loopback ports: one for sshd, two in a row for crmd.
read -r SSH_PORT P < <(python3 -c '
import socket
def free(n):
    while True:
        s = [socket.socket() for _ in range(n)]
        s[0].bind(("127.0.0.1", 0))
        p = s[0].getsockname()[1]
        try:
            for i in range(1, n):
                s[i].bind(("127.0.0.1", p + i))
            return p
        except OSError:
            pass
        finally:
            [x.close() for x in s]
print(free(1), free(3))')
PUB=$((P + 1))
OTHER=$((P + 2)) # a port the key may not reach

ssh-keygen -q -t ed25519 -N '' -C test-host -f "$H/host_key" &&
	ssh-keygen -q -t ed25519 -N '' -C "$ME@laptop" -f "$H/id" ||
	{ bad "ssh-keygen"; exit 1; }
echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1,2 "$H/host_key.pub")" \
	>"$H/known_hosts"
cat >"$H/ssh_config" <<EOF
Host *
	IdentityFile $H/id
	IdentitiesOnly yes
	UserKnownHostsFile $H/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	BatchMode yes
	ConnectTimeout 10
EOF
export CRM_SSH="ssh -F $H/ssh_config"
SSH=(ssh -F "$H/ssh_config" -p "$SSH_PORT" -l "$ME")
{
	cat <<EOF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $H/host_key
PidFile $H/sshd.pid
AuthorizedKeysFile $H/authorized_keys
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
LogLevel VERBOSE
EOF
	sed "s/^Match User crm\$/Match User $ME/" "$SRC/tools/ssh/crm.conf"
} >"$H/sshd_config"

# ------------------------------------------------------------ the key
run "$CRMD" remote-key add boss "$H/id.pub" --file "$H/authorized_keys" \
	--port "$P"
exit_is 0 "crmd remote-key add writes the key"
line=$(cat "$H/authorized_keys")
want="restrict,port-forwarding,permitopen=\"127.0.0.1:$P\",permitopen=\"127.0.0.1:$PUB\",permitlisten=\"127.0.0.1:1\",command=\""
[[ $line == "$want"* ]] && ok "the key line starts with its restrictions" ||
	bad "key line: $line"
[[ $line == *" crm:boss $ME@laptop" ]] && ok "it is labelled crm:boss" ||
	bad "key line label: $line"
[ "$(wc -l <"$H/authorized_keys")" -eq 1 ] && ok "one line" ||
	bad "$(wc -l <"$H/authorized_keys") lines"
fp=$(ssh-keygen -lf "$H/id.pub" | cut -d' ' -f2)
run "$CRMD" remote-key list --file "$H/authorized_keys" --port "$P"
has "remote-key list shows boss's key by its fingerprint" "$fp"
hasnt "and finds nothing unrestricted" "NOT written"
run_exit 1 "the same key again is refused" "$CRMD" remote-key add li \
	"$H/id.pub" --file "$H/authorized_keys" --port "$P"
has "saying whose it is" "already in"
run_exit 1 "a private key is refused" "$CRMD" remote-key add li "$H/id" \
	--file "$H/authorized_keys"

cp "$H/authorized_keys" "$H/authorized_keys.saved"

# ------------------------------------------------------------ sshd
"$SSHD" -D -e -f "$H/sshd_config" 2>>"$H/sshd.log" &
SSHD_PID=$!
up=
for _ in $(seq 100); do
	kill -0 "$SSHD_PID" 2>/dev/null || break
	if python3 -c "import socket; socket.create_connection(('127.0.0.1', $SSH_PORT), 1)" 2>/dev/null; then
		up=1
		break
	fi
	sleep 0.1
done
if [ -z "$up" ]; then
	cat "$H/sshd.log"
	skip "sshd does not start here (its log is above)"
fi
ok "sshd listens on 127.0.0.1:$SSH_PORT"

# ------------------------------------------------------------ crm over ssh
e2e_admin boss pw1

# remote-key add's checks (remote-fix 5, 6, 7), on a second file.
ssh-keygen -q -t ed25519 -N '' -C second -f "$H/id2"
cat "$H/id.pub" "$H/id2.pub" >"$H/two.pub"
run_exit 1 "a .pub file with two keys is refused" "$CRMD" remote-key add \
	boss "$H/two.pub" --file "$H/ak2" --data "$H/db"
has "saying how many" "holds 2 keys"
[ ! -s "$H/ak2" ] && ok "and nothing is added" || bad "ak2: $(cat "$H/ak2")"
run_exit 1 "a login that is no crm user is refused" "$CRMD" remote-key add \
	nosuchuser "$H/id2.pub" --file "$H/ak2" --data "$H/db"
has "naming it" "no crm user 'nosuchuser'"
run_exit 0 "a known login is admitted" "$CRMD" remote-key add \
	boss "$H/id2.pub" --file "$H/ak2" --data "$H/db"
hasnt "without a warning" "WARNING"
run_exit 0 "without a database the login is not checked" "$CRMD" \
	remote-key add nosuchuser "$H/id2.pub" --file "$H/ak3" \
	--data "$H/nodb"
has "and it warns loudly" "WARNING: no crm database at $H/nodb"
run_exit 1 "a missing .pub file" "$CRMD" remote-key add boss \
	"$H/missing.pub" --file "$H/ak2" --data "$H/db"
has "says so" "No such file or directory"
hasnt "not that it holds no key" "holds no ssh public key"
run_exit 1 "a folder as the .pub file" "$CRMD" remote-key add boss \
	"$H" --file "$H/ak2" --data "$H/db"
has "says it is a directory" "is a directory"
ln -s "$H/ak2" "$H/ak-link"
run_exit 1 "a symlinked authorized_keys is not replaced" "$CRMD" remote-key \
	add boss "$H/id.pub" --file "$H/ak-link" --data "$H/db"
has "saying so" "is a symbolic link (to $H/ak2)"
[ -L "$H/ak-link" ] && ok "the link stays" || bad "the link was replaced"
"$CRMD" --data "$H/db" --listen "tcp://127.0.0.1:$P" \
	--listen "ipc://$H/crmd.ipc" --pub "tcp://127.0.0.1:$PUB" \
	2>>"$H/crmd.log" &
PID=$!
export CRM_SERVER="ssh://$ME@127.0.0.1:$SSH_PORT/$P"
ok=
for _ in $(seq 50); do
	printf 'pw1\n' | "$CRM" login boss >"$H/out" 2>&1 && { ok=1; break; }
	sleep 0.2
done
[ -n "$ok" ] && ok "crm login through ssh:// (CRM_SERVER)" ||
	{ bad "login over ssh: $(cat "$H/out")"; tail "$H/sshd.log"; exit 1; }
run "$CRM" --server "$CRM_SERVER" -c whoami
exit_is 0 "crm --server ssh://USER@127.0.0.1:PORT/P -c whoami"
has "answers the crm user" "boss"
# CRM_SSH as the README writes it in double quotes: ~ is not expanded
# by the shell there, crm expands a word's leading ~/ (HOME is $H).
run env CRM_SSH="ssh -F ~/ssh_config" "$CRM" -c whoami
exit_is 0 "CRM_SSH=\"ssh -F ~/ssh_config\" works (crm expands ~/)"
# A wrapper that runs ssh without exec: the forward's listener is ssh's,
# a child of the process crm started, and crm accepts it as its own.
printf '#!/bin/sh\nssh "$@" &\npid=$!\ntrap "kill $pid" TERM\nwait $pid\n' >"$H/ssh-wrap"
chmod +x "$H/ssh-wrap"
run env CRM_SSH="$H/ssh-wrap -F $H/ssh_config" "$CRM" -c whoami
exit_is 0 "a CRM_SSH wrapper that runs ssh as its child works"
has "and answers" "boss"
printf 'pw2\n' | "$CRM" -c 'user add li --role rep --team east' >/dev/null ||
	bad "admin adds rep li over ssh"
"$CRM" -c 'customer add 华东机电有限公司 --owner li --grade B' >/dev/null ||
	bad "admin adds li's customer over ssh"
e2e_login li pw2
# li on the server's own socket too, for the writes the shell over ssh
# is to be told of: a session is sent only to the address that gave it.
ipc_crm() {
	env XDG_CONFIG_HOME="$H/ipc-config" CRM_SERVER="ipc://$H/crmd.ipc" \
		"$CRM" "$@"
}
mkdir -m 700 "$H/ipc-config"
printf 'pw2\n' | ipc_crm login li >/dev/null 2>&1 || bad "li logs in on ipc"
run "$CRM" --server "ipc://$H/crmd.ipc" -c whoami
[[ $err == *"your session is for ssh://$ME@127.0.0.1:$SSH_PORT/$P, not ipc://$H/crmd.ipc: not sending it there"* ]] &&
	ok "the ssh session's token is not sent to another address" ||
	bad "the ssh session was used on ipc: $out $err"
run "$CRM" -c 'log 华东机电有限公司 "电话沟通报价" --channel phone'
exit_is 0 "li logs a follow-up through the tunnel"
run "$CRM" -c 'customer history 华东机电有限公司'
has "it is stored" "电话沟通报价"
# No ssh is left behind by the crm processes above.
sleep 0.3
left=$(ps -eo args | grep -F -- "-F $H/ssh_config" | grep -v grep | wc -l)
[ "$left" -eq 0 ] && ok "crm stops its ssh on exit" ||
	bad "$left ssh processes left running"

# ------------------------------------------------------------ live reminders
pane_start crm 120 30 "CRM_SSH='$CRM_SSH' '$CRM'" ||
	{ bad "tmux starts the shell"; exit 1; }
wait_for crm "the interactive shell over ssh shows li's prompt" "crm li>" ||
	exit 1
sleep 1 # hello and the first fetch are done, the SUB socket connected
ipc_crm -c 'task add 华东机电有限公司 +5m "回电确认报价"' >"$H/out" 2>&1 ||
	bad "task add: $(cat "$H/out")"
wait_for crm "a live reminder arrives through the tunnel" "回电确认报价"

# A dropped tunnel: kill the shell's ssh; the next command restarts it.
shell_pid=$(tm display -p -t crm '#{pane_pid}')
crm_pid=$(ps -o pid= --ppid "$shell_pid" | head -1 | tr -d ' ')
ssh_pid=$(ps -o pid= --ppid "$crm_pid" | head -1 | tr -d ' ')
if [ -n "$ssh_pid" ] && kill "$ssh_pid"; then
	ok "the shell's ssh ($ssh_pid) is killed"
else
	bad "no ssh under the shell (crm $crm_pid)"
fi
sleep 0.5
send_line crm "customer find 华东"
wait_for crm "the next command restarts the tunnel and answers" \
	"华东机电有限公司  company"
new_ssh=$(ps -o pid= --ppid "$crm_pid" | head -1 | tr -d ' ')
[ -n "$new_ssh" ] && [ "$new_ssh" != "$ssh_pid" ] &&
	ok "a new ssh runs ($new_ssh)" || bad "no new ssh (was $ssh_pid)"
sleep 1
ipc_crm -c 'task add 华东机电有限公司 +6m "寄送样品"' >"$H/out" 2>&1 ||
	bad "task add: $(cat "$H/out")"
wait_for crm "the next reminder arrives through the new tunnel" "寄送样品"
# Ctrl-C at the prompt is the shell's, not the tunnel's (ssh ignores
# SIGINT): the same ssh still serves the next command.
tm send-keys -t crm C-c
sleep 0.5
send_line crm "customer find 华东机电"
sleep 1
kill -0 "$new_ssh" 2>/dev/null && ok "Ctrl-C leaves the tunnel running" ||
	bad "Ctrl-C ended ssh $new_ssh"
[ "$(ps -o pid= --ppid "$crm_pid" | tr -d ' ' | head -1)" = "$new_ssh" ] &&
	ok "and no new ssh was needed" || bad "ssh changed after Ctrl-C"

# A write in flight when the tunnel drops: crmd is paused, the write is
# sent, ssh is killed. The shell keeps it in the outbox (its outcome is
# unknown); crmd resumes; `outbox send` restarts the tunnel and resends
# the same request id: one customer, not two.
e2e_pause
send_line crm "customer add 西部电气有限公司"
sleep 1.5
ssh3=$(ps -o pid= --ppid "$crm_pid" | head -1 | tr -d ' ')
[ -n "$ssh3" ] && kill "$ssh3"
wait_for crm "a write in flight when the tunnel drops is kept in the outbox" \
	"kept in the outbox"
e2e_resume
send_line crm "outbox send"
wait_for crm "outbox send resends it through a new tunnel" "outbox: 1 done"
run ipc_crm -c 'customer find 西部电气'
c=$(grep -c "西部电气有限公司" <<<"$out")
[ "$c" -eq 1 ] && ok "the write was applied once" ||
	bad "customer find 西部电气 shows $c rows: $out"

# ssh's messages while the shell is idle (remote-fix 8): crmd goes away,
# the poke socket's reconnects through the tunnel fail and ssh says so
# each time ("channel N: open failed"); the shell prints that once,
# above the prompt, instead of onto the prompt line.
kill "$PID" && wait "$PID" 2>/dev/null
PID=
# The first failure shows within a second or so (at most 10 s polled);
# the SUB socket's reconnects back off from 100 ms (doubling), so 2 s
# more hold several further failures that must not be shown again.
for _ in $(seq 100); do
	screen crm | grep -q "open failed" && break
	sleep 0.1
done
sleep 2
scr=$(screen crm)
n=$(grep -c "open failed" <<<"$scr")
[ "$n" -eq 1 ] && ok "ssh's 'open failed' is shown once while idle" ||
	bad "'open failed' shown $n times: $scr"
grep -q "^ssh: channel [0-9]*: open failed" <<<"$scr" &&
	ok "on a line of its own, marked ssh:" || bad "screen: $scr"
last=$(sed 's/[[:space:]]*$//' <<<"$scr" | grep -v '^$' | tail -1)
[ "$last" = "crm li>" ] && ok "the prompt is intact below it" ||
	bad "last line: '$last'"
tm send-keys -t crm C-d

# ------------------------------------------------------------ what the key cannot do
run "${SSH[@]}" 127.0.0.1 true
[ "$code" -ne 0 ] && ok "the key cannot run a command (exit $code)" ||
	bad "ssh ... true succeeded"
has "it is told why (the test account's shell runs the forced command)" \
	"only opens the tunnel to crmd"
# The packaged crm account's shell is nologin: sshd runs the forced
# command as `SHELL -c COMMAND`, so what a rep sees is nologin's text.
if [ -x /usr/sbin/nologin ]; then
	forced=$(sed -n 's/.*command="\([^"]*\)".*/\1/p' "$H/authorized_keys.saved")
	run /usr/sbin/nologin -c "$forced"
	exit_is 1 "with the packaged shell nologin the forced command fails"
	has "showing nologin's own text, as README says" \
		"This account is currently not available."
	hasnt "not remote-key's" "only opens the tunnel"
fi
run "${SSH[@]}" -tt 127.0.0.1
[ "$code" -ne 0 ] && ok "nor get a shell" || bad "ssh got a shell: $out"

# A listener on another port, and crmd's own unix socket: forwards to
# either get nothing (the channel is refused by sshd).
python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $OTHER)); s.listen(); s.settimeout(20)
try:
    while True:
        c, _ = s.accept(); c.sendall(b'other-service\n'); c.close()
except Exception:
    pass" &
OTHER_PID=$!
L1=$((SSH_PORT + 0)) # placeholders; real ports below
read -r L1 L2 < <(python3 -c '
import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')
"${SSH[@]}" -N -o ExitOnForwardFailure=yes \
	-L "127.0.0.1:$L1:127.0.0.1:$OTHER" -L "127.0.0.1:$L2:$H/crmd.ipc" \
	127.0.0.1 2>"$H/fwd.err" &
FWD_PID=$!
read_port() {
	python3 -c "
import socket, sys, time
for _ in range(50):
    try:
        s = socket.create_connection(('127.0.0.1', $1), 1); break
    except OSError:
        time.sleep(0.1)
else:
    print('NOCONNECT'); sys.exit()
s.settimeout(5)
try:
    print(s.recv(100).decode() or 'EOF')
except Exception as e:
    print('ERR', e)"
}
got=$(read_port "$L1")
[ "$got" = "EOF" ] && ok "a forward to another port gets nothing" ||
	bad "forward to port $OTHER: $got"
got=$(read_port "$L2")
[ "$got" = "EOF" ] && ok "a forward to a unix socket gets nothing" ||
	bad "forward to crmd.ipc: $got"
kill "$FWD_PID" "$OTHER_PID" 2>/dev/null
wait "$FWD_PID" 2>/dev/null
grep -q "to connect to host 127.0.0.1 port $OTHER, but the request was denied" \
	"$H/sshd.log" && ok "sshd denied the port forward" ||
	bad "no denial of port $OTHER in sshd's log"
grep -qE "(to connect to path|streamlocal port forward: .*target) $H/crmd.ipc" \
	"$H/sshd.log" && ok "sshd denied the unix-socket forward" ||
	bad "no denial of crmd.ipc in sshd's log"
run timeout 20 "${SSH[@]}" -N -o ExitOnForwardFailure=yes \
	-R "127.0.0.1:$L1:127.0.0.1:$P" 127.0.0.1
[ "$code" -ne 0 ] && [ "$code" -ne 124 ] &&
	ok "the key cannot listen on the server (-R, exit $code)" ||
	bad "ssh -R: exit $code $err"

# ------------------------------------------------------------ removed key
run_exit 0 "crmd remote-key remove boss" "$CRMD" remote-key remove boss \
	--file "$H/authorized_keys"
run "$CRM" -c whoami
exit_is 1 "without the key crm cannot connect"
has "ssh's own message is shown" "Permission denied"
has "and crm says where" "cannot reach ssh://"
run "$CRM" login boss </dev/null
exit_is 1 "crm login without a working key fails"
has "before asking the password: ssh's message" "Permission denied"
hasnt "no password was read" "no password given"

run_exit 2 "a bad port in the URL is a usage error" "$CRM" --server \
	"ssh://$ME@127.0.0.1:99999" -c whoami
has "naming the port" "bad port '99999'"
run_exit 2 "so is a missing host" "$CRM" --server "ssh://$ME@" -c whoami
has "saying so" "no host"
run_exit 2 "an ipc:// URL without a path is a usage error" "$CRM" \
	--server "ipc://" -c whoami
has "saying so" "no socket path"
hasnt "not a chmod hint" "chmod"
run_exit 2 "an unsupported scheme is a usage error" "$CRM" --server \
	"http://x" -c whoami
has "naming the schemes" "unsupported scheme (ipc://, tcp://, ssh://)"
run_exit 2 "tcp:// without a port is a usage error" "$CRM" --server \
	"tcp://127.0.0.1" -c whoami
has "saying so" "no port (tcp://HOST:PORT)"
run_exit 2 "tcp:// with port 0 too" "$CRM" --server "tcp://127.0.0.1:0" \
	-c whoami
run_exit 2 "CRM_SERVER is checked the same way" env CRM_SERVER=http://x \
	"$CRM" -c whoami
e2e_done
