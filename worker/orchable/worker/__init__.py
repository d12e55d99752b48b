"""The worker: claims tasks, calls models through providers and writes the results back."""
