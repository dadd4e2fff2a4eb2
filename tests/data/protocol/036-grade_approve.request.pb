corpus-v1-000036 "j9[>QΒ›γ5ΤώZέz=Θg@Ήώ«j›ϋ'KΚ
agreed