"""The book's API, unchanged but for the import: ``from nndl.book import mnist_loader, network,
network2, network3``. Thin veneers over nndl's engine — no maths of their own."""
