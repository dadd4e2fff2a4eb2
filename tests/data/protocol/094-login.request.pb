corpus-v1-000094Z
admin	admin-pw2