import os
import sys

try:
    from ._entry import main
except KeyboardInterrupt:  # Ctrl-C while the program itself is still loading
    sys.stderr.write("guided: interrupted\n")
    os._exit(130)

if __name__ == "__main__":  # not when a worker process imports this module again (spawn)
    main()
