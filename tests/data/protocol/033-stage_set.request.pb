corpus-v1-000033 "j9[>QΒ›γ5ΤώZέz=Θg@Ήώ«j›ϋ'K²
quote sent