corpus-v1-000071Z
admin	admin-pw2