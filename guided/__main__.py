from ._entry import main

if __name__ == "__main__":  # not when a worker process imports this module again (spawn)
    main()
