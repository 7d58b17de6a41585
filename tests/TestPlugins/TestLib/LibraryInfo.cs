namespace TestLib;

/// <summary>Says which build of TestLib was loaded.</summary>
public static class LibraryInfo
{
    public static string Version => typeof(LibraryInfo).Assembly.GetName().Version!.ToString();
}
