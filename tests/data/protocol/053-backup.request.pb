corpus-v1-000053 I é¼¶.Pê­“-t"}Q§NDƒÙ›Å*lª
corpus-backup