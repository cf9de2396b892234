# Drive a command in a real pty: python3 pty-drive.py SCRIPT -- argv...
# SCRIPT: JSON list of steps: ["send", "text"], ["sleep", s], ["resize", rows, cols].
# Prints everything read from the pty, then "\nEXIT <code>".
import fcntl, json, os, pty, select, struct, sys, termios, time
steps = json.loads(sys.argv[1]); argv = sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))
out = b''
def pump(t):
    global out
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try: out += os.read(fd, 4096)
            except OSError: return
for s in steps:
    if s[0] == 'send': os.write(fd, s[1].encode()); pump(0.3)
    elif s[0] == 'sleep': pump(s[1])
    elif s[0] == 'resize': fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', s[1], s[2], 0, 0)); pump(0.2)
pump(1.0)
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf8', 'replace') + '\nEXIT %d\n' % os.waitstatus_to_exitcode(st))
