# SPDX-License-Identifier: ISC
# Refresh on edit: an edit of inetd.conf (write-and-rename, in place,
# update-inetd's own rewrite) or of a policy file reloads by itself, as
# SIGHUP does; a broken edit is refused and the old configuration serves
# on; -W turns it off; the watch reaches no worker and no child server;
# a server program replaced by rename gets its service a new pool.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Test::More;
use Time::HiRes qw(sleep);
use Sinetd;

my $BOUND = 10;		# seconds an edit may take to apply here

sub echo_line { "127.0.0.1:$_[0] stream tcp nowait nobody internal echo\n" }
sub daytime_line { "127.0.0.1:$_[0] stream tcp nowait nobody internal daytime\n" }

sub answers {
	my ($port) = @_;
	my $r = tcp_talk('127.0.0.1', $port, "x\n", half_close => 1,
	    timeout => 1);
	return defined $r && length $r;
}

sub answers_within {
	my ($port) = @_;
	return wait_for($BOUND, sub { answers($port) });
}

# An editor's save: a new file beside, renamed over the old name.
sub write_rename {
	my ($path, $text) = @_;
	write_file("$path.tmp$$", $text);
	rename("$path.tmp$$", $path) or die "rename: $!";
}

# An in-place save: the same inode, truncated and written.
sub write_in_place {
	my ($path, $text) = @_;
	open(my $fh, '+<', $path) or die "$path: $!";
	truncate($fh, 0);
	print $fh $text;
	close($fh);
}

sub policy_dir {
	my $p = tempdir(CLEANUP => 1);
	chmod(0755, $p);
	write_file("$p/default.policy", default_policy());
	return $p;
}

subtest 'write-and-rename, in place, a broken edit and its fix' => sub {
	my ($a, $b, $c, $e) = map { free_port() } 1 .. 4;
	my $pdir = policy_dir();
	my $d = Sinetd->start(refresh => 1, conf => echo_line($a), args => ['-P', $pdir]);
	my $conf = $d->{conf};
	ok(answers($a), 'the first service answers');

	write_rename($conf, echo_line($a) . daytime_line($b));
	ok(answers_within($b), "write-and-rename: the new service answers within ${BOUND}s");
	ok($d->wait_log(qr/reload by=refresh path=\Q$conf\E\b/),
	    'the reload says what triggered it');
	ok($d->wait_log(qr/reload done kept=1 changed=0 added=1 removed=0 failed=0/),
	    'and it applied as a SIGHUP reload does');

	write_in_place($conf, echo_line($a) . daytime_line($b) . daytime_line($c));
	ok(answers_within($c), 'in-place write: the new service answers');
	# Its socket answers from the backlog once a worker is up, which can
	# be before the master has read that worker's READY and said done.
	$d->wait_log(qr/(?s:reload done.*){2}/);
	is($d->count_log(qr/reload done/), 2, 'one reload per save');

	write_in_place($conf, echo_line($a) . daytime_line($b)
	    . "127.0.0.1:$e stream tcp nowait nobody internal bogus\n");
	ok($d->wait_log(qr/reload refused: \Q$conf\E:3: /, $BOUND),
	    'a broken edit is refused with file:line');
	ok(answers($a) && answers($b) && answers($c),
	    'and the running configuration serves on');
	ok(!answers($e), 'the broken line is not served');

	write_rename($conf, echo_line($a) . daytime_line($b) . daytime_line($e));
	ok(answers_within($e), 'the fixed edit applies at the next change');
	ok(wait_for($BOUND, sub { !answers($c) }), 'and the line it dropped stops');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a write in pieces waits for the last; a SIGHUP reloads once' => sub {
	my ($a, $b, $c) = map { free_port() } 1 .. 3;
	my $pdir = policy_dir();
	# A delay long beside the pauses below, however slow this machine.
	my $d = Sinetd->start(refresh => 1, conf => echo_line($a),
	    args => ['-P', $pdir, '-o', 'refresh-delay=3s']);
	my $conf = $d->{conf};
	open(my $fh, '>>', $conf) or die;
	$fh->autoflush(1);
	# Each piece alone would be a broken line.
	for my $piece ("127.0.0.1:$b stream ", "tcp nowait nobody ",
	    "internal daytime\n") {
		print $fh $piece;
		sleep(0.1);
	}
	close($fh);
	ok(answers_within($b), 'a file written in pieces applies');
	is($d->count_log(qr/reload refused/), 0, 'no piece of it was read alone');
	is($d->count_log(qr/reload by=refresh/), 1, 'one reload, after the last');
	# Its new service answers once its pool is READY, a moment before
	# the reload is done; a SIGHUP meanwhile is refused, by design.
	ok($d->wait_log(qr/reload done/, $BOUND), 'and it is done');

	write_rename($conf, echo_line($a) . daytime_line($b) . daytime_line($c));
	kill('HUP', $d->pid);
	ok(answers_within($c), 'an edit, then SIGHUP at once: applied');
	# Twice the delay: a second reload would have come.
	sleep(6);
	is($d->count_log(qr/reload signal=HUP/), 1, 'by the SIGHUP');
	is($d->count_log(qr/reload by=refresh/), 1,
	    'and the refresh does not reload what it read');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a configuration reached by a symbolic link' => sub {
	my ($a, $b) = (free_port(), free_port());
	my $pdir = policy_dir();
	my ($dir, $real) = (tempdir(CLEANUP => 1), tempdir(CLEANUP => 1));
	chmod(0755, $_) for $dir, $real;
	write_file("$real/inetd.conf", '');
	symlink("$real/inetd.conf", "$dir/inetd.conf") or die "symlink: $!";
	my $d = Sinetd->start(refresh => 1, dir => $dir, conf => echo_line($a),
	    args => ['-P', $pdir]);
	ok(-l "$dir/inetd.conf" && answers($a), 'served through the link');
	# The target edited where it is: the link itself does not change.
	write_rename("$real/inetd.conf", echo_line($a) . daytime_line($b));
	ok(answers_within($b), 'an edit of its target applies');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'update-inetd --add, --disable, --enable' => sub {
	my $tool = '/usr/sbin/update-inetd';
	plan skip_all => "no $tool (Debian's update-inetd package; "
	    . 'make check installs it)' unless -x $tool;
	my ($a, $b) = (free_port(), free_port());
	my $pdir = policy_dir();
	my $d = Sinetd->start(refresh => 1, conf => echo_line($a), args => ['-P', $pdir]);
	my $conf = $d->{conf};
	# It must wake no inetd of this host: we need none.
	local $ENV{UPDATE_INETD_FAKE_IT} = 1;
	local $ENV{DEBIAN_FRONTEND} = 'noninteractive';
	my $run = sub {
		my $out = `$tool --file '$conf' @_ 2>&1`;
		is($?, 0, "update-inetd @_") or diag($out);
	};
	$run->("--add '127.0.0.1:$b\tstream\ttcp\tnowait\tnobody\tinternal\tdaytime'");
	ok(answers_within($b), 'an added entry answers');
	$run->("--disable 127.0.0.1:$b");
	like(slurp($conf), qr/^#<off># 127\.0\.0\.1:$b\s/m, 'written #<off>#');
	ok(wait_for($BOUND, sub { !answers($b) }), 'a disabled entry stops');
	ok(answers($a), 'the other serves on');
	$run->("--enable 127.0.0.1:$b");
	ok(answers_within($b), 'an enabled entry answers again');
	ok($d->count_log(qr/reload by=refresh path=\Q$conf\E/) >= 3,
	    'each by refresh');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a policy edit re-applies it' => sub {
	my $a = free_port();
	my $pdir = policy_dir();
	my $d = Sinetd->start(refresh => 1, conf => echo_line($a), args => ['-P', $pdir]);
	ok(answers($a), 'answers 127.0.0.1');
	# Each edit waits for the last one's reload: two within one refresh
	# delay are one reload, and until a reload is done the old pool's
	# workers may still take a connection under the old rules.
	my $done = $d->count_log(qr/reload done/);
	write_rename("$pdir/$a.policy", "only-from ::1\n");
	ok($d->wait_log(qr/reload by=refresh path=\Q$pdir\E\/$a\.policy/, $BOUND),
	    'the new policy file triggers a reload');
	ok(wait_for($BOUND, sub { $d->count_log(qr/reload done/) > $done }),
	    'which is applied');
	ok(wait_for($BOUND, sub { !answers($a) }),
	    'and 127.0.0.1 is refused under it');
	$done = $d->count_log(qr/reload done/);
	write_in_place("$pdir/$a.policy", "only-from ::1 127.0.0.1\n");
	ok(wait_for($BOUND, sub { $d->count_log(qr/reload done/) > $done }),
	    'an in-place edit of it reloads too');
	ok(answers_within($a), 'and applies');
	write_in_place("$pdir/$a.policy", "only-from nowhere\n");
	ok($d->wait_log(qr/reload refused: \Q$pdir\E\/$a\.policy:1: /, $BOUND),
	    'a broken policy is refused with file:line');
	ok(answers($a), 'and the service serves on');
	# Two files in one go: one reload, which names both.
	my $b = free_port();
	write_file("$pdir/$b.policy", "only-from 127.0.0.1\n");
	write_rename($d->{conf}, echo_line($a) . daytime_line($b));
	write_in_place("$pdir/$a.policy", "only-from ::1 127.0.0.1\n");
	ok(answers_within($b), 'an edit of two files applies');
	ok(answers($a), 'both of them');
	like($d->log_text, qr/reload by=refresh path=\S+ others=[12]$/m,
	    'in one reload that counts the other files');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a file a policy includes, in another directory' => sub {
	my $a = free_port();
	my $pdir = policy_dir();
	my $other = tempdir(CLEANUP => 1);
	chmod(0755, $other);
	write_file("$other/site.inc", "only-from 127.0.0.1\n");
	write_file("$pdir/$a.policy", "include $other/site.inc\n");
	my $d = Sinetd->start(refresh => 1, conf => echo_line($a), args => ['-P', $pdir]);
	ok(answers($a), 'answers under the included file');
	write_rename("$other/site.inc", "only-from ::1\n");
	ok($d->wait_log(qr/reload by=refresh path=\Q$other\E\/site\.inc$/m,
	    $BOUND), 'its edit is seen where it is');
	ok(wait_for($BOUND, sub { !answers($a) }), 'and applies');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a relative policy directory, as make run gives it' => sub {
	my $a = free_port();
	my $dir = tempdir(CLEANUP => 1);
	chmod(0755, $dir);
	mkdir("$dir/policy");
	chmod(0755, "$dir/policy");
	write_file("$dir/policy/default.policy", default_policy());
	# Read at start by its relative name, before the directory is
	# watched by its real one.
	write_file("$dir/policy/$a.policy", "only-from 127.0.0.1\n");
	my $d = Sinetd->start(refresh => 1, dir => $dir, conf => echo_line($a),
	    args => ['-P', 'policy'], before_exec => sub { chdir($dir) });
	ok(answers($a), 'answers');
	# One file, known by two names of its directory: one change.
	write_in_place("$dir/policy/$a.policy", "only-from 127.0.0.1\n");
	ok($d->wait_log(qr/reload by=refresh path=\S*policy\/$a\.policy$/m, $BOUND),
	    'an edit of a file it reads, counted once');
	ok($d->wait_log(qr/reload done/, $BOUND), 'and applied');
	# A file no service names, new in it: the directory is watched by
	# its real path, one more name of what "policy" names.
	write_file("$dir/policy/other.policy", "bogus\n");
	ok($d->wait_log(qr/reload refused: \S*policy\/other\.policy:1: /, $BOUND),
	    'a new policy file is seen, and checked');
	ok(answers($a), 'the service serves on');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest '-W: edits wait for a reload' => sub {
	my ($a, $b) = (free_port(), free_port());
	my $pdir = policy_dir();
	my $d = Sinetd->start(refresh => 1, conf => echo_line($a),
	    args => ['-W', '-o', 'refresh-delay=50ms', '-P', $pdir]);
	write_rename($d->{conf}, echo_line($a) . daytime_line($b));
	# Forty times the delay: a refresh would have been done.
	sleep(2);
	is($d->count_log(qr/reload/), 0, 'no reload of its own');
	ok(!answers($b), 'the new line is not served');
	kill('HUP', $d->pid);
	ok(answers_within($b), 'SIGHUP applies it');
	is($d->stop >> 8, 0, 'clean stop');
};

# The inotify descriptor is the master's alone.
sub has_inotify {
	my ($pid) = @_;
	opendir(my $dh, "/proc/$pid/fd") or return 0;
	return scalar grep { (readlink("/proc/$pid/fd/$_") // '') =~ /inotify/ }
	    grep { /^\d+$/ } readdir($dh);
}

subtest 'the watch stays in the master' => sub {
	my $a = free_port();
	my $pdir = policy_dir();
	my $dir = tempdir(CLEANUP => 1);
	chmod(0755, $dir);
	my $out = "$dir/fds";
	my $d = Sinetd->start(refresh => 1, args => ['-P', $pdir], conf =>
	    "127.0.0.1:$a stream tcp nowait root /bin/sh sh -c "
	    . "'ls -l /proc/self/fd'\n");
	ok(has_inotify($d->pid), 'the master holds an inotify descriptor');
	my @w = $d->workers;
	ok(@w >= 1, 'a worker');
	ok(!grep({ has_inotify($_) } @w), 'no worker holds it');
	my $fds = tcp_talk('127.0.0.1', $a, '', timeout => 5);
	like($fds // '', qr/socket:/, 'a child server lists its descriptors');
	unlike($fds // '', qr/inotify/, 'and it holds no inotify descriptor');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a server program replaced by rename gets a new pool' => sub {
	my $a = free_port();
	my $pdir = policy_dir();
	my $dir = tempdir(CLEANUP => 1);
	chmod(0755, $dir);
	mkdir("$dir/bin");
	chmod(0755, "$dir/bin");
	my $prog = "$dir/bin/server";
	write_file($prog, "#!/bin/sh\necho v1\n");
	chmod(0755, $prog);
	# Landlock: the program by its file, as a policy names a server.
	write_file("$pdir/$a.policy", <<"EOF");
include default.policy
private-tmp no
fs-read / 
fs-exec /usr/bin /usr/lib /lib /lib64 /bin /usr/lib64 $prog
EOF
	my $d = Sinetd->start(refresh => 1, args => ['-P', $pdir],
	    conf => "127.0.0.1:$a stream tcp nowait nobody $prog server\n");
	is(tcp_talk('127.0.0.1', $a, ''), "v1\n", 'the program answers');
	# A package upgrade: the new file written beside, renamed over.
	write_file("$prog.dpkg-new", "#!/bin/sh\necho v2\n");
	chmod(0755, "$prog.dpkg-new");
	rename("$prog.dpkg-new", $prog) or die "rename: $!";
	ok($d->wait_log(qr/reload: its program was replaced, new pool service=$a proto=tcp addr=127\.0\.0\.1:$a program=\Q$prog\E$/m, $BOUND),
	    'the log says why it re-pooled');
	ok($d->wait_log(qr/reload done kept=0 changed=1 /, $BOUND),
	    'one service changed');
	ok(wait_for($BOUND, sub {
		(tcp_talk('127.0.0.1', $a, '') // '') eq "v2\n" }),
	    'the new program answers');
	unlike($d->log_text, qr/cannot execute/, 'no exec was refused');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a file its policy names, replaced by rename: a new pool' => sub {
	my $a = free_port();
	my $pdir = policy_dir();
	my $dir = tempdir(CLEANUP => 1);
	chmod(0755, $dir);
	my $data = "$dir/motd";
	write_file($data, "old\n");
	chmod(0644, $data);
	my $cat = -x '/usr/bin/cat' ? '/usr/bin/cat' : '/bin/cat';
	# The file by itself, as a policy names /var/log/wtmp or /etc/passwd.
	write_file("$pdir/$a.policy", <<"EOF");
include default.policy
private-tmp no
fs-read /usr /lib /lib64 /etc $data
fs-exec /usr/bin /usr/lib /lib /lib64 /bin /usr/lib64
EOF
	my $d = Sinetd->start(refresh => 1, args => ['-P', $pdir],
	    conf => "127.0.0.1:$a stream tcp nowait nobody $cat cat $data\n");
	is(tcp_talk('127.0.0.1', $a, ''), "old\n", 'the file is read');
	# Rotated, as logrotate does: the old name moved, a new file made.
	rename($data, "$data.1") or die;
	write_file($data, "new\n");
	chmod(0644, $data);
	ok($d->wait_log(qr/reload: a file its policy names was replaced, new pool service=$a proto=tcp addr=127\.0\.0\.1:$a path=\Q$data\E$/m, $BOUND),
	    'the log says why it re-pooled');
	ok(wait_for($BOUND, sub {
		(tcp_talk('127.0.0.1', $a, '') // '') eq "new\n" }),
	    'the new file is read');
	is($d->stop >> 8, 0, 'clean stop');
};

done_testing();
