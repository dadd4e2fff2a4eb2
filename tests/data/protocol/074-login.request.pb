corpus-v1-000074Z
admin	admin-pw2