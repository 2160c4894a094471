import io

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_file(name="staff-report.pdf", data=PDF):
    return (io.BytesIO(data), name)
