{
  "targets": [
    {
      "target_name": "isal_inflate",
      "sources": ["src/isal_inflate.c"],
      "include_dirs": ["/usr/include"],
      "libraries": ["-lisal"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
