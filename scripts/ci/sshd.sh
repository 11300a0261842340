#!/usr/bin/env bash
# Starts a throwaway OpenSSH sshd on 127.0.0.1 for the sources/sftp
# integration tests, and stops it again.
#
#   eval "$(scripts/ci/sshd.sh start)"   # prints export lines
#   go test ./sources/sftp/ -run OpenSSH
#   scripts/ci/sshd.sh stop              # uses $MINISYNC_TEST_SSHD_STATE
#
# It installs nothing: openssh-server must be installed (/usr/sbin/sshd,
# ssh-keygen). It logs in as the current user with a fresh key; the host key,
# config, authorized key, log, pid file and the export folder all live in a
# temporary state folder that stop removes. Run as root in CI; as another
# user it works too when sshd allows unprivileged use.
set -euo pipefail

SSHD=${SSHD:-/usr/sbin/sshd}

die() { echo "sshd.sh: $*" >&2; exit 1; }

start() {
	[ -x "$SSHD" ] || die "$SSHD not found: install openssh-server"
	command -v ssh-keygen >/dev/null || die "ssh-keygen not found: install openssh-client"
	local state user port
	state=$(mktemp -d "${TMPDIR:-/tmp}/minisync-sshd.XXXXXX")
	chmod 755 "$state"
	user=$(id -un)
	mkdir -p "$state/exports"
	printf '<orders n="1"/>\n' >"$state/exports/orders-1.xml"
	printf '<rendelés vevő="Árvíztűrő"/>\n' >"$state/exports/rendelések-ăîșț.xml"
	ssh-keygen -q -t ed25519 -N '' -C minisync-host -f "$state/host_ed25519" >/dev/null
	ssh-keygen -q -t ed25519 -N '' -C minisync-client -f "$state/client_ed25519" >/dev/null
	cp "$state/client_ed25519.pub" "$state/authorized_keys"
	chmod 600 "$state/authorized_keys" "$state/client_ed25519" "$state/host_ed25519"
	if [ "$(id -u)" = 0 ]; then
		mkdir -p /run/sshd && chmod 755 /run/sshd # privilege separation folder
	fi

	local try
	for try in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + RANDOM % 40000))
		# Skip a port something already answers on.
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			continue
		fi
		cat >"$state/sshd_config" <<-CONF
		ListenAddress 127.0.0.1:$port
		HostKey $state/host_ed25519
		PidFile $state/sshd.pid
		AuthorizedKeysFile $state/authorized_keys
		StrictModes no
		PubkeyAuthentication yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PermitRootLogin prohibit-password
		AllowUsers $user
		UsePAM no
		X11Forwarding no
		AllowTcpForwarding no
		PrintMotd no
		LogLevel VERBOSE
		Subsystem sftp internal-sftp
		CONF
		"$SSHD" -t -f "$state/sshd_config" || die "sshd rejects $state/sshd_config"
		: >"$state/sshd.log"
		"$SSHD" -f "$state/sshd_config" -E "$state/sshd.log" || die "sshd did not start; see $state/sshd.log"
		local i
		for i in $(seq 1 50); do
			if grep -q "Server listening on 127.0.0.1 port $port" "$state/sshd.log" && [ -s "$state/sshd.pid" ]; then
				printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$state/host_ed25519.pub")" >"$state/known_hosts"
				echo "export MINISYNC_TEST_SSHD_ADDR=127.0.0.1:$port MINISYNC_TEST_SSHD_USER=$user" \
					"MINISYNC_TEST_SSHD_KEY=$state/client_ed25519 MINISYNC_TEST_SSHD_KNOWN_HOSTS=$state/known_hosts" \
					"MINISYNC_TEST_SSHD_DIR=$state/exports MINISYNC_TEST_SSHD_STATE=$state"
				return 0
			fi
			if grep -qi "bind.*failed\|Cannot bind" "$state/sshd.log"; then
				break
			fi
			sleep 0.1
		done
		[ -s "$state/sshd.pid" ] && kill "$(cat "$state/sshd.pid")" 2>/dev/null || true
	done
	cat "$state/sshd.log" >&2 || true
	die "sshd did not come up on a free port"
}

stop() {
	local state=${1:-${MINISYNC_TEST_SSHD_STATE:-}}
	[ -n "$state" ] || die "stop: pass the state folder or set MINISYNC_TEST_SSHD_STATE"
	case "$state" in
		"${TMPDIR:-/tmp}"/minisync-sshd.*) ;;
		*) die "stop: $state is not a folder this script made" ;;
	esac
	if [ -s "$state/sshd.pid" ]; then
		local pid i
		pid=$(cat "$state/sshd.pid")
		kill "$pid" 2>/dev/null || true
		for i in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	rm -rf "$state"
}

case "${1:-}" in
	start) start ;;
	stop) stop "${2:-}" ;;
	*) die "usage: $0 start | stop [state folder]" ;;
esac
