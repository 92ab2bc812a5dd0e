"""What is neither AWS nor the domain: the exit codes and the one error type, cancellable
concurrency, local files written whole, the cache folder. It imports nothing else of bjob."""
