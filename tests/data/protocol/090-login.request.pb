corpus-v1-000090Z
admin	admin-pw2