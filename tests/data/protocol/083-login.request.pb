corpus-v1-000083Z
admin	admin-pw2